"""Built-in translations of the class names of the bundled datasets.

A dataset's class names come from its source in English (`malignant`, `basophil`, `Ankle boot`)
or as bare indices (RetinaMNIST's grades "0".."4", scikit-learn's wine `class_0`…). The report
shows them in its own language: these tables give Spanish and English names, keyed by
(source, dataset name) and then by the source's class name. Unknown datasets or classes give
None, so the caller falls back to the manifest's `classes` or to the source's names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# source's class name → (Spanish, English)
_Table = dict[str, tuple[str, str]]

_DIGITS: _Table = {str(d): (str(d), str(d)) for d in range(10)}

_BREAST_CANCER: _Table = {"malignant": ("maligno", "malignant"),
                          "benign": ("benigno", "benign")}

_IRIS: _Table = {name: (name, name) for name in ("setosa", "versicolor", "virginica")}

_WINE: _Table = {f"class_{i}": (f"cultivar {i}", f"cultivar {i}") for i in range(3)}

# ICDR grades of diabetic retinopathy (DR; in Spanish RD), as in the reference report's table.
_RETINA: _Table = {
    "0": ("0 (sin RD)", "0 (no DR)"),
    "1": ("1 (RDNP leve)", "1 (mild NPDR)"),
    "2": ("2 (RDNP moderada)", "2 (moderate NPDR)"),
    "3": ("3 (RDNP grave)", "3 (severe NPDR)"),
    "4": ("4 (RDP)", "4 (PDR)"),
}

_PATH: _Table = {
    "adipose": ("tejido adiposo", "adipose tissue"),
    "background": ("fondo", "background"),
    "debris": ("restos celulares", "debris"),
    "lymphocytes": ("linfocitos", "lymphocytes"),
    "mucus": ("moco", "mucus"),
    "smooth muscle": ("músculo liso", "smooth muscle"),
    "normal colon mucosa": ("mucosa colónica normal", "normal colon mucosa"),
    "cancer-associated stroma": ("estroma asociado al cáncer", "cancer-associated stroma"),
    "colorectal adenocarcinoma epithelium": ("epitelio de adenocarcinoma colorrectal",
                                             "colorectal adenocarcinoma epithelium"),
}

_DERMA: _Table = {
    "actinic keratoses and intraepithelial carcinoma": (
        "queratosis actínica y carcinoma intraepitelial",
        "actinic keratoses and intraepithelial carcinoma"),
    "basal cell carcinoma": ("carcinoma basocelular", "basal cell carcinoma"),
    "benign keratosis-like lesions": ("lesiones queratósicas benignas",
                                      "benign keratosis-like lesions"),
    "dermatofibroma": ("dermatofibroma", "dermatofibroma"),
    "melanoma": ("melanoma", "melanoma"),
    "melanocytic nevi": ("nevus melanocíticos", "melanocytic nevi"),
    "vascular lesions": ("lesiones vasculares", "vascular lesions"),
}

_BLOOD: _Table = {
    "basophil": ("basófilo", "basophil"),
    "eosinophil": ("eosinófilo", "eosinophil"),
    "erythroblast": ("eritroblasto", "erythroblast"),
    "immature granulocytes(myelocytes, metamyelocytes and promyelocytes)": (
        "granulocitos inmaduros (mielocitos, metamielocitos y promielocitos)",
        "immature granulocytes (myelocytes, metamyelocytes and promyelocytes)"),
    "lymphocyte": ("linfocito", "lymphocyte"),
    "monocyte": ("monocito", "monocyte"),
    "neutrophil": ("neutrófilo", "neutrophil"),
    "platelet": ("plaqueta", "platelet"),
}

_ORGAN: _Table = {
    "bladder": ("vejiga", "bladder"),
    "femur-left": ("fémur izquierdo", "left femur"),
    "femur-right": ("fémur derecho", "right femur"),
    "heart": ("corazón", "heart"),
    "kidney-left": ("riñón izquierdo", "left kidney"),
    "kidney-right": ("riñón derecho", "right kidney"),
    "liver": ("hígado", "liver"),
    "lung-left": ("pulmón izquierdo", "left lung"),
    "lung-right": ("pulmón derecho", "right lung"),
    "pancreas": ("páncreas", "pancreas"),
    "spleen": ("bazo", "spleen"),
}

_PNEUMONIA: _Table = {"normal": ("normal", "normal"), "pneumonia": ("neumonía", "pneumonia")}

_BREAST_US: _Table = {"malignant": ("maligno", "malignant"),
                      "normal, benign": ("normal o benigno", "normal or benign")}

_OCT: _Table = {
    "choroidal neovascularization": ("neovascularización coroidea",
                                     "choroidal neovascularization"),
    "diabetic macular edema": ("edema macular diabético", "diabetic macular edema"),
    "drusen": ("drusas", "drusen"),
    "normal": ("normal", "normal"),
}

_TISSUE: _Table = {
    "Collecting Duct, Connecting Tubule": ("conducto colector y túbulo conector",
                                           "collecting duct and connecting tubule"),
    "Distal Convoluted Tubule": ("túbulo contorneado distal", "distal convoluted tubule"),
    "Glomerular endothelial cells": ("células endoteliales glomerulares",
                                     "glomerular endothelial cells"),
    "Interstitial endothelial cells": ("células endoteliales intersticiales",
                                       "interstitial endothelial cells"),
    "Leukocytes": ("leucocitos", "leukocytes"),
    "Podocytes": ("podocitos", "podocytes"),
    "Proximal Tubule Segments": ("segmentos del túbulo proximal", "proximal tubule segments"),
    "Thick Ascending Limb": ("rama ascendente gruesa", "thick ascending limb"),
}

_FASHION: _Table = {
    "T-shirt/top": ("camiseta", "T-shirt/top"),
    "Trouser": ("pantalón", "trouser"),
    "Pullover": ("jersey", "pullover"),
    "Dress": ("vestido", "dress"),
    "Coat": ("abrigo", "coat"),
    "Sandal": ("sandalia", "sandal"),
    "Shirt": ("camisa", "shirt"),
    "Sneaker": ("zapatilla deportiva", "sneaker"),
    "Bag": ("bolso", "bag"),
    "Ankle boot": ("botín", "ankle boot"),
}

# (source, dataset name in lower case) → table. MedMNIST names are the package's flags.
CLASS_NAMES: dict[tuple[str, str], _Table] = {
    ("sklearn", "digits"): _DIGITS,
    ("sklearn", "breast_cancer"): _BREAST_CANCER,
    ("sklearn", "iris"): _IRIS,
    ("sklearn", "wine"): _WINE,
    ("medmnist", "retinamnist"): _RETINA,
    ("medmnist", "pathmnist"): _PATH,
    ("medmnist", "dermamnist"): _DERMA,
    ("medmnist", "bloodmnist"): _BLOOD,
    ("medmnist", "organamnist"): _ORGAN,
    ("medmnist", "organcmnist"): _ORGAN,
    ("medmnist", "organsmnist"): _ORGAN,
    ("medmnist", "pneumoniamnist"): _PNEUMONIA,
    ("medmnist", "breastmnist"): _BREAST_US,
    ("medmnist", "octmnist"): _OCT,
    ("medmnist", "tissuemnist"): _TISSUE,
    ("torchvision", "mnist"): _DIGITS,
    ("torchvision", "fashionmnist"): _FASHION,
    ("openml", "mnist_784"): _DIGITS,
    ("openml", "fashion-mnist"): _FASHION,
}
_LANG_INDEX = {"es": 0, "en": 1}


def class_name(source: str, dataset: str, name: str, lang: str) -> str | None:
    """The class `name` of (`source`, `dataset`) in `lang`, or None when not known."""
    table = CLASS_NAMES.get((source.lower(), dataset.lower()))
    if table is None or lang not in _LANG_INDEX or name not in table:
        return None
    return table[name][_LANG_INDEX[lang]]


def class_names(source: str, dataset: str, names: Sequence[str],
                lang: str) -> list[str] | None:
    """All of `names` in `lang`, or None unless every one of them is known."""
    translated = [class_name(source, dataset, name, lang) for name in names]
    if any(t is None for t in translated):
        return None
    return translated  # type: ignore[return-value]


def for_dataset(spec: Any, names: Sequence[str], lang: str) -> list[str] | None:
    """The built-in names for a manifest dataset (`manifest.DatasetSpec`); None for `files`
    datasets, OpenML ones given by id, and unknown datasets or classes."""
    name = getattr(spec, "name", None)
    if not isinstance(name, str):
        return None
    return class_names(spec.source, name, names, lang)
