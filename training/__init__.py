"""Training the emotion CNN from scratch (PyTorch) and exporting it to ONNX.

Nothing in the serving path imports this package: the pipeline reads the exported ONNX file
through ONNX Runtime (`vision.emotion.OnnxEmotionClassifier`), so PyTorch is a training and
test dependency only. Every model made here takes a greyscale face scaled to [-1, 1] and
gives 7 probabilities in `core.emotions.EMOTIONS` order, like the shipped mini-Xception.
"""
