"""The emotion CNN served by ONNX Runtime: no TensorFlow in the process.

Every ONNX emotion model of the project follows one convention (`vision.onnx_convert`):
input ``face`` (N, 1, S, S) scaled to [-1, 1], output ``probabilities`` (N, 7) in
`core.emotions.EMOTIONS` order — the shipped mini-Xception converted at set-up, and the
networks `train_emotion_model` exports. The class lives with the other classifiers in
`vision.emotion` (whose `build_classifier` serves every ``.onnx`` `EMOTION_MODEL` with it);
this module keeps its import path.
"""

from vision.emotion import OnnxEmotionClassifier

__all__ = ["OnnxEmotionClassifier"]
