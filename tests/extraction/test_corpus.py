"""Precision and recall over the whole labelled corpus, computed from the labels each run.

Run `pytest tests/extraction/test_corpus.py -s` to see the table quoted in
docs/extraction.md; the same figures come from `python bench/extraction.py`.
"""

from intake.extraction.evaluation import evaluate, format_table, load_corpus
from tests.extraction import CORPUS

THRESHOLD = 0.95


def test_corpus_is_large_and_varied_enough_to_mean_something():
    documents = load_corpus(CORPUS)
    labels = [label for doc in documents for label in doc.labels]
    assert len(labels) >= 60
    assert {label["kind"] for label in labels} == {
        "cause_of_concern",
        "recommendation",
        "area_for_improvement",
    }
    # Documents with nothing to find keep precision honest.
    assert any(not doc.labels for doc in documents)


def test_kind_precision_recall_and_due_date_accuracy_over_the_corpus():
    scores = evaluate(load_corpus(CORPUS))
    print()
    print(format_table(scores))
    for problem in scores.problems:
        print(problem)
    assert scores.labelled >= 60
    assert scores.precision >= THRESHOLD, scores.problems
    assert scores.recall >= THRESHOLD, scores.problems
    assert scores.due_accuracy >= THRESHOLD, scores.problems


def test_held_out_documents_alone_meet_the_threshold():
    held_out = [doc for doc in load_corpus(CORPUS) if doc.name.startswith("heldout_")]
    assert held_out
    scores = evaluate(held_out)
    assert min(scores.precision, scores.recall, scores.due_accuracy) >= THRESHOLD, scores.problems


def test_every_label_is_well_formed():
    for doc in load_corpus(CORPUS):
        for i, label in enumerate(doc.labels):
            assert set(label) == {"kind", "reference", "timeframe", "due_on", "parent", "contains"}
            assert label["contains"], doc.name
            if label["parent"] is not None:
                assert label["parent"] < i
                assert doc.labels[label["parent"]]["kind"] == "cause_of_concern"
