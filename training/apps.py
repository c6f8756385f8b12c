from django.apps import AppConfig


class TrainingConfig(AppConfig):
    """Training and evaluating the emotion CNN: a development tool beside `vision`.

    It depends on `vision` for what serving and training must share (alignment, the ONNX
    export format, the pipeline's crops); `vision` never imports it, so no server process
    loads PyTorch.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "training"
