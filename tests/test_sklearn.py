"""ScatteringTransformer and the Kymatio frontends Scattering1D/2D follow scikit-learn's estimator contract."""

import pickle

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator, parametrize_with_checks  # noqa: E402

import frames  # noqa: E402
import scatterx as sx  # noqa: E402
from scatterx.sklearn import Scattering1D, Scattering2D, ScatteringTransformer  # noqa: E402


@parametrize_with_checks(
    [ScatteringTransformer(), Scattering1D(J=1, shape=None), Scattering1D(J=1, shape=None, Q=(2, 2))]
)
def test_estimator_contract(estimator, check):
    check(estimator)


def test_kymatio_2d_estimator_fails_checks_only_on_rows_that_are_not_images():
    """The checks feed rows of 1, 2, 3, 5 or 10 values: no (M, N) image; every other check passes.

    With ``shape=None`` a row is one square image; the checks whose rows are
    not a square number of pixels (or a single one, too small for J = 1)
    get the ValueError that names the fix, shape=(M, N).
    """
    results = check_estimator(Scattering2D(J=1, shape=None), on_fail=None)
    failed = [r for r in results if r["status"] == "failed"]
    passed = [r for r in results if r["status"] == "passed"]
    assert len(passed) >= 19, [r["check_name"] for r in passed]
    for r in failed:
        message = str(r["exception"])
        assert "not a square number of pixels" in message or "n_features=1," in message, (r["check_name"], message)


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    return d.data[:300], d.target[:300]


def test_transform_is_the_network_on_the_grid_and_names_every_feature(digits):
    X, _ = digits
    net = sx.Network([sx.Module(frames.morlet(J=1, L=4), sx.Modulus(), sx.Subsample(2))] * 2, shape=(8, 8)).admissible()
    t = ScatteringTransformer(network=net).fit(X)
    assert t.network is net and t.network_ == net and t.n_features_in_ == 64
    np.testing.assert_array_equal(t.transform(X[:5]), net(X[:5].reshape(5, 8, 8)))
    names = t.get_feature_names_out()
    assert list(names) == net.get_feature_names() and len(set(names)) == t.transform(X[:1]).shape[1]
    assert names[0] == "L0[](0,0)" and names[-1] == "L2[3-3](1,1)"


def test_network_grid_follows_shape(digits):
    X, _ = digits
    net = sx.Network([sx.Module(frames.morlet(J=1, L=4))], shape=(16, 16))
    t = ScatteringTransformer(network=net.to_dict(), shape=(8, 8)).fit(X)
    assert t.network_.shape == (8, 8) and t.network_.modules == net.modules
    with pytest.raises(ValueError, match=r"X has 64 features but the grid \(16, 16\) holds 256"):
        ScatteringTransformer(network=net).fit(X)
    with pytest.raises(ValueError, match="either network or frame"):
        ScatteringTransformer(network=net, shape=(8, 8), frame=frames.morlet(J=1, L=4)).fit(X)


def test_set_output_pandas(digits):
    pd = pytest.importorskip("pandas")
    X, _ = digits
    t = ScatteringTransformer(shape=(8, 8), depth=1).set_output(transform="pandas")
    df = t.fit_transform(X[:10])
    assert isinstance(df, pd.DataFrame) and list(df.columns) == list(t.get_feature_names_out())
    np.testing.assert_array_equal(df.to_numpy(), ScatteringTransformer(shape=(8, 8), depth=1).fit_transform(X[:10]))


def test_pickles_after_use(digits):
    X, _ = digits
    net = sx.Network([sx.Module(frames.morlet(J=1, L=4))], shape=(8, 8))
    net(X[:2].reshape(2, 8, 8))  # caches its plans
    t = ScatteringTransformer(network=net).fit(X)
    t.transform(X[:3])
    back = pickle.loads(pickle.dumps(t))
    assert back.network == net and back.network_ == t.network_
    np.testing.assert_array_equal(back.transform(X[:3]), t.transform(X[:3]))


def test_grid_search_over_the_frame_family_in_a_pipeline(digits):
    X, y = digits
    pipe = make_pipeline(
        ScatteringTransformer(shape=(8, 8), depth=1), StandardScaler(), LogisticRegression(C=0.1, max_iter=500)
    )
    grid = {"scatteringtransformer__frame": [frames.morlet(J=1, L=4), frames.morlet(J=2, L=4)]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    assert search.best_score_ > 0.85
    best = search.best_params_["scatteringtransformer__frame"]
    assert search.best_estimator_[0].network_.modules[0].frame.params == best.params
