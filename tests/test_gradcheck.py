"""course_rnn.gradcheck against derivatives known in closed form."""

import numpy as np
import pytest

from course_rnn.gradcheck import numerical_gradient, numerical_gradient_array, relative_error


def test_numerical_gradient_of_a_quadratic_form_equals_its_closed_form(rng):
    A = rng.standard_normal((4, 4))
    x = rng.standard_normal(4)
    grad = numerical_gradient(lambda: float(x @ A @ x), x)
    assert relative_error(grad, (A + A.T) @ x) < 1e-9


def test_numerical_gradient_restores_the_array_it_perturbs(rng):
    x = rng.standard_normal((3, 2))
    before = x.copy()
    numerical_gradient(lambda: float(np.sum(np.sin(x))), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_array_of_tanh_is_the_upstream_gradient_times_one_minus_tanh_squared(rng):
    x = rng.standard_normal((2, 3))
    df = rng.standard_normal((2, 3))
    grad = numerical_gradient_array(lambda: np.tanh(x), x, df)
    assert relative_error(grad, df * (1 - np.tanh(x) ** 2)) < 1e-8


def test_relative_error_is_zero_for_equal_arrays_and_one_for_opposite_signs():
    a = np.array([1.0, -2.0, 3.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="shapes"):
        relative_error(a, a[:2])
