"""The seven basic emotions and where each sits in valence/arousal/dominance space."""

ANGRY, DISGUST, FEAR, HAPPY, SAD, SURPRISE, NEUTRAL = "angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"

# The order of the FER2013 classes and of the shipped mini-Xception's outputs.
EMOTIONS = (ANGRY, DISGUST, FEAR, HAPPY, SAD, SURPRISE, NEUTRAL)

EMOTION_CHOICES = [(e, e.capitalize()) for e in EMOTIONS]

# Warriner, Kuperman & Brysbaert (2013) ratings of the emotion words, 1–9 scale (V, A, D).
WARRINER_VAD = {
    ANGRY: (2.50, 5.93, 5.14),
    DISGUST: (3.32, 5.00, 4.84),
    FEAR: (2.93, 6.14, 3.32),
    HAPPY: (8.47, 6.05, 7.21),
    SAD: (2.10, 3.49, 3.84),
    SURPRISE: (7.44, 6.57, 5.17),
    NEUTRAL: (5.50, 3.45, 5.81),
}

# The word a listener uses for being in each mood ("you look disgusted", "a fearful mood"): the
# emotion names are the classifier's nouns, which do not read in a sentence ("songs that feel fear").
ADJECTIVE = {
    ANGRY: "angry",
    DISGUST: "disgusted",
    FEAR: "fearful",
    HAPPY: "happy",
    SAD: "sad",
    SURPRISE: "surprised",
    NEUTRAL: "neutral",
}

EMOJI = {ANGRY: "😠", DISGUST: "🤢", FEAR: "😨", HAPPY: "😊", SAD: "😢", SURPRISE: "😲", NEUTRAL: "😐"}

# One colour per emotion, for every chart: the history page's (through the emotion_palette
# template tag) and the clustering plot in the admin (catalogue.plots).
EMOTION_COLOURS = {
    ANGRY: "#d64545",
    DISGUST: "#7a9a2e",
    FEAR: "#8b5cf6",
    HAPPY: "#f2b705",
    SAD: "#3b82f6",
    SURPRISE: "#ec4899",
    NEUTRAL: "#9ca3af",
}


def palette() -> dict:
    """The emotions in model order with their emoji and colours, as the pages' scripts read them.

    The pages get this from the server (core/templatetags/emotions.py renders it with
    json_script) so that no script keeps a copy of its own.
    """
    return {
        "emotions": list(EMOTIONS),
        "emoji": dict(EMOJI),
        "colours": dict(EMOTION_COLOURS),
        "adjectives": dict(ADJECTIVE),
    }
