"""Training and fine-tuning of the emotion CNN (see README, "Training the emotion model").

Models made here follow the convention of the shipped mini-Xception so that
`vision.pipeline` loads them the same way: a tf-keras model whose input is a greyscale
face of shape (H, W, 1) scaled to [-1, 1] and whose 7 softmax outputs are in
`core.emotions.EMOTIONS` order.
"""
