"""The references the report's concept paragraphs cite, and their reference-list entries.

Entries are language-neutral (titles and venues are proper names) except the word joining the
last two authors, which the caller passes from the catalog ("y" / "and").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    key: str
    authors: tuple[str, ...]  # "Surname, I." in the paper's order
    year: int
    title: str
    venue: str  # journal, proceedings, publisher or course
    volume: str | None = None
    number: str | None = None
    pages: str | None = None
    note: str | None = None  # arXiv id, series…


def _ref(key: str, authors: str, year: int, title: str, venue: str, **extra: str) -> Reference:
    return Reference(key, tuple(a.strip() for a in authors.split(";")), year, title, venue,
                     **extra)


_REFERENCES = [
    _ref("akiba2019", "Akiba, T.; Sano, S.; Yanase, T.; Ohta, T.; Koyama, M.", 2019,
         "Optuna: A next-generation hyperparameter optimization framework",
         "Proceedings of the 25th ACM SIGKDD International Conference on Knowledge Discovery "
         "& Data Mining", pages="2623–2631"),
    _ref("baydin2018", "Baydin, A. G.; Pearlmutter, B. A.; Radul, A. A.; Siskind, J. M.", 2018,
         "Automatic differentiation in machine learning: a survey",
         "Journal of Machine Learning Research", volume="18", number="153", pages="1–43"),
    _ref("bergstra2011", "Bergstra, J.; Bardenet, R.; Bengio, Y.; Kégl, B.", 2011,
         "Algorithms for hyper-parameter optimization",
         "Advances in Neural Information Processing Systems 24", pages="2546–2554"),
    _ref("bergstra2012", "Bergstra, J.; Bengio, Y.", 2012,
         "Random search for hyper-parameter optimization",
         "Journal of Machine Learning Research", volume="13", pages="281–305"),
    _ref("cauchy1847", "Cauchy, A.", 1847,
         "Méthode générale pour la résolution des systèmes d'équations simultanées",
         "Comptes rendus hebdomadaires des séances de l'Académie des sciences", volume="25",
         pages="536–538"),
    _ref("clevert2016", "Clevert, D.-A.; Unterthiner, T.; Hochreiter, S.", 2016,
         "Fast and accurate deep network learning by exponential linear units (ELUs)",
         "International Conference on Learning Representations (ICLR)"),
    _ref("duchi2011", "Duchi, J.; Hazan, E.; Singer, Y.", 2011,
         "Adaptive subgradient methods for online learning and stochastic optimization",
         "Journal of Machine Learning Research", volume="12", pages="2121–2159"),
    _ref("glorot2010", "Glorot, X.; Bengio, Y.", 2010,
         "Understanding the difficulty of training deep feedforward neural networks",
         "Proceedings of the 13th International Conference on Artificial Intelligence and "
         "Statistics (AISTATS), PMLR", volume="9", pages="249–256"),
    _ref("goodfellow2016", "Goodfellow, I.; Bengio, Y.; Courville, A.", 2016,
         "Deep Learning", "MIT Press"),
    _ref("he2015", "He, K.; Zhang, X.; Ren, S.; Sun, J.", 2015,
         "Delving deep into rectifiers: surpassing human-level performance on ImageNet "
         "classification",
         "Proceedings of the IEEE International Conference on Computer Vision (ICCV)",
         pages="1026–1034"),
    _ref("he2016", "He, K.; Zhang, X.; Ren, S.; Sun, J.", 2016,
         "Deep residual learning for image recognition",
         "Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition (CVPR)",
         pages="770–778"),
    _ref("hendrycks2016", "Hendrycks, D.; Gimpel, K.", 2016, "Gaussian error linear units (GELUs)",
         "arXiv", note="arXiv:1606.08415"),
    _ref("ioffe2015", "Ioffe, S.; Szegedy, C.", 2015,
         "Batch normalization: accelerating deep network training by reducing internal "
         "covariate shift",
         "Proceedings of the 32nd International Conference on Machine Learning (ICML), PMLR",
         volume="37", pages="448–456"),
    _ref("keskar2017", "Keskar, N. S.; Mudigere, D.; Nocedal, J.; Smelyanskiy, M.; Tang, P. T. P.",
         2017, "On large-batch training for deep learning: generalization gap and sharp minima",
         "International Conference on Learning Representations (ICLR)"),
    _ref("kingma2015", "Kingma, D. P.; Ba, J.", 2015, "Adam: A method for stochastic optimization",
         "International Conference on Learning Representations (ICLR)",
         note="arXiv:1412.6980"),
    _ref("krogh1992", "Krogh, A.; Hertz, J. A.", 1992,
         "A simple weight decay can improve generalization",
         "Advances in Neural Information Processing Systems 4", pages="950–957"),
    _ref("lecun1998", "LeCun, Y.; Bottou, L.; Bengio, Y.; Haffner, P.", 1998,
         "Gradient-based learning applied to document recognition", "Proceedings of the IEEE",
         volume="86", number="11", pages="2278–2324"),
    _ref("lecun1998b", "LeCun, Y.; Bottou, L.; Orr, G. B.; Müller, K.-R.", 1998,
         "Efficient BackProp",
         "Neural Networks: Tricks of the Trade, Lecture Notes in Computer Science 1524, Springer",
         pages="9–50"),
    _ref("li2018", "Li, L.; Jamieson, K.; DeSalvo, G.; Rostamizadeh, A.; Talwalkar, A.", 2018,
         "Hyperband: A novel bandit-based approach to hyperparameter optimization",
         "Journal of Machine Learning Research", volume="18", number="185", pages="1–52"),
    _ref("loshchilov2017", "Loshchilov, I.; Hutter, F.", 2017,
         "SGDR: Stochastic gradient descent with warm restarts",
         "International Conference on Learning Representations (ICLR)"),
    _ref("loshchilov2019", "Loshchilov, I.; Hutter, F.", 2019,
         "Decoupled weight decay regularization",
         "International Conference on Learning Representations (ICLR)"),
    _ref("maas2013", "Maas, A. L.; Hannun, A. Y.; Ng, A. Y.", 2013,
         "Rectifier nonlinearities improve neural network acoustic models",
         "ICML Workshop on Deep Learning for Audio, Speech and Language Processing"),
    _ref("nair2010", "Nair, V.; Hinton, G. E.", 2010,
         "Rectified linear units improve restricted Boltzmann machines",
         "Proceedings of the 27th International Conference on Machine Learning (ICML)",
         pages="807–814"),
    _ref("nesterov1983", "Nesterov, Y.", 1983,
         "A method for solving the convex programming problem with convergence rate O(1/k²)",
         "Soviet Mathematics Doklady", volume="27", pages="372–376"),
    _ref("polyak1964", "Polyak, B. T.", 1964,
         "Some methods of speeding up the convergence of iteration methods",
         "USSR Computational Mathematics and Mathematical Physics", volume="4", number="5",
         pages="1–17"),
    _ref("prechelt1998", "Prechelt, L.", 1998, "Early stopping — but when?",
         "Neural Networks: Tricks of the Trade, Lecture Notes in Computer Science 1524, Springer",
         pages="55–69"),
    _ref("robbins1951", "Robbins, H.; Monro, S.", 1951, "A stochastic approximation method",
         "The Annals of Mathematical Statistics", volume="22", number="3", pages="400–407"),
    _ref("rumelhart1986", "Rumelhart, D. E.; Hinton, G. E.; Williams, R. J.", 1986,
         "Learning representations by back-propagating errors", "Nature", volume="323",
         number="6088", pages="533–536"),
    _ref("snoek2012", "Snoek, J.; Larochelle, H.; Adams, R. P.", 2012,
         "Practical Bayesian optimization of machine learning algorithms",
         "Advances in Neural Information Processing Systems 25", pages="2951–2959"),
    _ref("srivastava2014", "Srivastava, N.; Hinton, G.; Krizhevsky, A.; Sutskever, I.; "
         "Salakhutdinov, R.", 2014,
         "Dropout: A simple way to prevent neural networks from overfitting",
         "Journal of Machine Learning Research", volume="15", number="56", pages="1929–1958"),
    _ref("sutskever2013", "Sutskever, I.; Martens, J.; Dahl, G.; Hinton, G.", 2013,
         "On the importance of initialization and momentum in deep learning",
         "Proceedings of the 30th International Conference on Machine Learning (ICML), PMLR",
         volume="28", number="3", pages="1139–1147"),
    _ref("tibshirani1996", "Tibshirani, R.", 1996,
         "Regression shrinkage and selection via the lasso",
         "Journal of the Royal Statistical Society: Series B", volume="58", number="1",
         pages="267–288"),
    _ref("tieleman2012", "Tieleman, T.; Hinton, G.", 2012,
         "Lecture 6.5 — RMSprop: Divide the gradient by a running average of its recent "
         "magnitude", "COURSERA: Neural Networks for Machine Learning"),
    _ref("zou2005", "Zou, H.; Hastie, T.", 2005,
         "Regularization and variable selection via the elastic net",
         "Journal of the Royal Statistical Society: Series B", volume="67", number="2",
         pages="301–320"),
]

BIBLIOGRAPHY: dict[str, Reference] = {ref.key: ref for ref in _REFERENCES}


def reference(key: str) -> Reference:
    try:
        return BIBLIOGRAPHY[key]
    except KeyError:
        raise KeyError(f"unknown reference {key!r}") from None


def format_authors(authors: tuple[str, ...], and_word: str) -> str:
    """'A', 'A and B', 'A, B and C' (no serial comma: Spanish never uses one)."""
    if len(authors) == 1:
        return authors[0]
    return f"{', '.join(authors[:-1])} {and_word} {authors[-1]}"


def citation(ref: Reference, and_word: str) -> str:
    """In-text citation: 'Kingma and Ba, 2015', 'Srivastava et al., 2014'."""
    surnames = [a.split(",")[0] for a in ref.authors]
    names = f"{surnames[0]} et al." if len(surnames) > 2 else f" {and_word} ".join(surnames)
    return f"{names}, {ref.year}"


def format_reference(ref: Reference, and_word: str) -> str:
    """A reference-list entry: 'Authors (year). Title. Venue, volume(number), pages. Note.'"""
    source = ref.venue
    if ref.volume:
        source += f", {ref.volume}"
        if ref.number:
            source += f"({ref.number})"
    if ref.pages:
        source += f", {ref.pages}"
    title = ref.title if ref.title.endswith(("?", "!", ".")) else ref.title + "."
    entry = f"{format_authors(ref.authors, and_word)} ({ref.year}). {title} {source}."
    return f"{entry} {ref.note}." if ref.note else entry


def sort_keys(keys: Iterable[str]) -> list[str]:
    """Unique keys in reference-list order: first author's surname, then year."""
    refs = [reference(k) for k in dict.fromkeys(keys)]
    return [r.key for r in sorted(refs, key=lambda r: (r.authors[0].casefold(), r.year))]
