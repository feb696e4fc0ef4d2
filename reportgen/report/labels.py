"""Names of splits, their accuracies and stop reasons, shared by the report's sections and the
diff page (marked for extraction here, translated where shown)."""

from __future__ import annotations

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
