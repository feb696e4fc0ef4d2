"""The bibliography: records and reference-list entries."""

import pytest

from reportgen.report.bibliography import (
    BIBLIOGRAPHY,
    citation,
    format_reference,
    reference,
    sort_keys,
)


def test_entry_joins_the_last_two_authors_with_the_given_word():
    ref = reference("srivastava2014")
    assert format_reference(ref, "y") == (
        "Srivastava, N., Hinton, G., Krizhevsky, A., Sutskever, I. y Salakhutdinov, R. (2014). "
        "Dropout: A simple way to prevent neural networks from overfitting. "
        "Journal of Machine Learning Research, 15(56), 1929–1958.")
    assert " and Salakhutdinov" in format_reference(ref, "and")


def test_single_author_entry_and_note():
    assert format_reference(reference("prechelt1998"), "and").startswith(
        "Prechelt, L. (1998). Early stopping — but when? Neural Networks")
    assert format_reference(reference("kingma2015"), "and").endswith("arXiv:1412.6980.")


def test_citations():
    assert citation(reference("kingma2015"), "y") == "Kingma y Ba, 2015"
    assert citation(reference("li2018"), "and") == "Li et al., 2018"
    assert citation(reference("polyak1964"), "and") == "Polyak, 1964"


def test_records_are_complete_and_keys_match_first_author_and_year():
    for key, ref in BIBLIOGRAPHY.items():
        assert ref.key == key
        assert ref.title and ref.venue and ref.authors
        surname = ref.authors[0].split(",")[0].lower().replace("ü", "u")
        assert key.startswith(surname.split()[-1].lower()) and str(ref.year) in key


def test_sorted_by_first_author_then_year():
    assert sort_keys(["he2016", "bergstra2012", "he2015", "bergstra2011", "he2016"]) == [
        "bergstra2011", "bergstra2012", "he2015", "he2016"]


def test_unknown_key():
    with pytest.raises(KeyError, match="unknown reference 'nobody2020'"):
        reference("nobody2020")
