"""Training with mmengine: the model adapter, the validation metric, the safetensors export hook and configs."""
