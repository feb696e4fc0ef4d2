"""Names of splits, their accuracies, stop reasons, settings and preprocessing, shared by the
report's sections and the diff page (marked for extraction here, translated where shown)."""

from __future__ import annotations

from collections.abc import Callable

from reportgen.report.i18n import N_

# in sentences: "the validation accuracy of …"
ACCURACY_NAMES = {"train": N_("training accuracy"), "val": N_("validation accuracy"),
                  "test": N_("test accuracy")}
# as column headers
ACCURACY_HEADERS = {"train": N_("Training accuracy"), "val": N_("Validation accuracy"),
                    "test": N_("Test accuracy")}

SPLIT_NAMES = {"train": N_("training"), "val": N_("validation"), "test": N_("test")}
STOP_REASONS = {
    "completed": N_("completed"),
    "early_stopped": N_("early stopping"),
    "threshold": N_("threshold reached"),
    "diverged": N_("diverged"),
    "failed": N_("failed"),
}

SPLIT_HEADERS = {"train": N_("Training"), "val": N_("Validation"), "test": N_("Test")}
# under a shared "Accuracy"/"Loss" header: short, so six metric columns fit an A4 page
SPLIT_SHORT = {"train": N_("Train"), "val": N_("Val."), "test": N_("Test")}
# Column headers for the dotted paths studies usually vary; others show the path itself.
PATH_LABELS = {
    "model.type": N_("Model type"),
    "model.filters": N_("Convolution filters"),
    "model.kernel": N_("Kernel size"),
    "model.padding": N_("Padding"),
    "model.pool": N_("Pooling"),
    "model.hidden": N_("Hidden units"),
    "model.activation": N_("Activation"),
    "model.negative_slope": N_("Leaky ReLU slope"),
    "model.init": N_("Initialiser"),
    "model.dropout": N_("Dropout"),
    "model.batchnorm": N_("Batch normalisation"),
    "model.l1": N_("L1 penalty"),
    "model.l2": N_("L2 penalty"),
    "model.penalty_layers": N_("Penalised layers"),
    "training.previous_epochs": N_("Previous epochs"),
    "model.outputs": N_("Output units"),
    "training.optimizer": N_("Optimizer"),
    "training.optimizer.name": N_("Optimizer"),
    "training.optimizer.lr": N_("Learning rate"),
    "training.optimizer.momentum": N_("Momentum"),
    "training.batch_size": N_("Batch size"),
    "training.epochs": N_("Maximum epochs"),
    "training.loss": N_("Loss function"),
    "training.schedule": N_("Learning-rate schedule"),
    "training.schedule.kind": N_("Learning-rate schedule"),
    "training.early_stopping": N_("Early stopping"),
    "training.stop_at": N_("Stop at threshold"),
    "training.eval_every": N_("Epochs between evaluations"),
    "engine": N_("Engine"),
    "seed": N_("Seed"),
    "device": N_("Device"),
    "dataset": N_("Dataset"),
}
# A key inside a setting's table, when a study varies it alone ("Early stopping: patience").
SETTING_KEYS = {
    "monitor": N_("monitored metric"), "patience": N_("patience"),
    "min_delta": N_("minimum improvement"), "restore_best": N_("restore best weights"),
    "mode": N_("mode"), "arm_at": N_("armed from"), "threshold": N_("threshold"),
    "final_lr": N_("final rate"), "step_size": N_("epochs per step"),
    "gamma": N_("decay factor"), "nesterov": "Nesterov", "beta1": "β₁", "beta2": "β₂",
    "eps": "ε", "amsgrad": "AMSGrad", "rho": "ρ", "centered": N_("centred"),
    "weight_decay": N_("weight decay"), "initial_accumulator_value": N_("initial accumulator"),
}


def path_label(path: str, translate: Callable[[str], str]) -> str:
    """A config path as a column header or setting name, in the language of `translate`;
    the path itself when it has no name."""
    if path in PATH_LABELS:
        return translate(PATH_LABELS[path])
    parent, _, key = path.rpartition(".")
    if parent in PATH_LABELS and key.isdigit():  # one element of a list (model.hidden.0)
        return f"{translate(PATH_LABELS[parent])} ({int(key) + 1})"
    if parent in PATH_LABELS and key in SETTING_KEYS:
        return translate(N_("%(setting)s: %(key)s")) % {
            "setting": translate(PATH_LABELS[parent]), "key": translate(SETTING_KEYS[key])}
    return path


PREPROCESS = {
    "none": N_("none"),
    "divide255": N_("divided by 255"),
    "minmax": N_("min–max scaled to [0, 1], fitted on the training split"),
    "standard": N_("standardised (zero mean, unit variance), fitted on the training split"),
}
LOSSES = {"cross_entropy": N_("cross-entropy"), "mse": N_("mean squared error")}
AVERAGE_ROWS = {"macro avg": N_("macro average"), "weighted avg": N_("weighted average")}
# a monitored metric inside a sentence ("… because the validation loss stopped improving")
MONITOR_NAMES = {"val_loss": N_("validation loss"), "loss": N_("training loss"),
                 "val_accuracy": N_("validation accuracy"), "accuracy": N_("training accuracy")}
