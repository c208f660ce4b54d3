"""
==============================================
Monte-Carlo dropout: uncertainty on regression
==============================================

A network trained with dropout can keep its dropout on at prediction time:
every forward pass then drops different units and gives a different answer.
The mean of many such passes is a prediction, and their spread an estimate of
the model's uncertainty (Gal and Ghahramani, 2016, "Dropout as a Bayesian
approximation"). :class:`~skreg.DropoutMLP` returns both from
``predict(X, return_std=True)``, the signature of
:class:`~sklearn.linear_model.BayesianRidge` and
:class:`~sklearn.gaussian_process.GaussianProcessRegressor`.
"""

# %%
# Data with a gap
# ---------------
# Noisy samples of :math:`x \sin x` on :math:`[-4, 4]`, with no data in
# :math:`[-3, -1]`, around one of the function's peaks. We ask for predictions
# on :math:`[-6, 6]`: inside the data, in the gap and beyond both ends.
import matplotlib.pyplot as plt
import numpy as np

from skreg import DropoutMLP


def target(x):
    return x * np.sin(x)


data_rng = np.random.default_rng(0)
x_train = data_rng.uniform(-4, 4, 300)
x_train = x_train[(x_train < -3) | (x_train > -1)]
y_train = target(x_train) + 0.3 * data_rng.standard_normal(len(x_train))
x_plot = np.linspace(-6, 6, 400)

# %%
# Fit and predict with uncertainty
# --------------------------------
# ``n_mc_samples`` forward passes with dropout on give the mean and standard
# deviation; an integer ``random_state`` makes them reproducible.
model = DropoutMLP(
    hidden_layer_sizes=(128, 128),
    dropout=0.1,
    learning_rate_init=0.005,
    batch_size=32,
    max_iter=300,
    n_mc_samples=200,
    random_state=0,
)
model.fit(x_train.reshape(-1, 1), y_train)
mean, std = model.predict(x_plot.reshape(-1, 1), return_std=True)


def band_width(lo, hi):
    inside = (x_plot >= lo) & (x_plot <= hi)
    return std[inside].mean()


print(f"epochs run: {model.n_iter_}")
print(f"mean std where there are data, [0, 4]:   {band_width(0, 4):.3f}")
print(f"mean std in the gap, [-2.75, -1.25]:     {band_width(-2.75, -1.25):.3f}")
print(f"mean std beyond the data, [4.5, 6]:      {band_width(4.5, 6):.3f}")
in_gap = (x_plot >= -2.75) & (x_plot <= -1.25)
gap_error = np.abs(mean - target(x_plot))[in_gap].max()
print(f"largest error of the mean in the gap:    {gap_error:.3f}")

# %%
# Plot
# ----
# The band is the mean plus or minus two standard deviations of the Monte-Carlo
# passes. Beyond both ends of the data, where the network extrapolates, it is
# several times wider than where there are data. In the gap, however, it stays
# narrow although the mean cuts straight across the missing peak: Monte-Carlo
# dropout is known to be overconfident *between* clusters of data (Foong et
# al., 2019, "'In-between' uncertainty in Bayesian neural networks"), since
# every thinned network interpolates the gap in much the same way.
#
# The band measures the model's uncertainty only, not the noise of :math:`y`
# (whose standard deviation is 0.3 here), and its width scales with
# ``dropout``: read it as "where to trust the model less", not as a calibrated
# interval.
fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
ax.axvspan(-3, -1, color="0.9", label="no training data")
ax.plot(x_plot, target(x_plot), "k:", label="x sin(x)")
ax.scatter(x_train, y_train, s=8, color="0.4", label="training data")
ax.plot(x_plot, mean, color="C0", label="Monte-Carlo mean")
ax.fill_between(
    x_plot, mean - 2 * std, mean + 2 * std, color="C0", alpha=0.3, label="± 2 std"
)
ax.set(xlabel="x", ylabel="y", ylim=(-8, 8))
ax.legend(loc="upper center", ncols=3, fontsize="small")
plt.show()

# %%
# With dropout off, as in ``predict(X)``, the network gives one deterministic
# curve close to the Monte-Carlo mean:
difference = np.abs(model.predict(x_plot.reshape(-1, 1)) - mean).max()
print(f"max |predict(X) - Monte-Carlo mean|: {difference:.3f}")
