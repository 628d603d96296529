import { test } from "uvu";
import * as assert from "uvu/assert";
import { gpWithParams, fitGp, matern52, cholesky, expectedImprovement, normCdf, Rng } from "@ensemble-workbook/sagemaker-local/tuning";

const close = (a: number, b: number, eps: number, msg = "") => assert.ok(Math.abs(a - b) <= eps, `${msg} ${a} vs ${b}`);

// Reference values computed once with scikit-learn 1.2 (GaussianProcessRegressor, Matern(nu=2.5),
// alpha = g, optimizer=None) and scipy.stats.norm — an independent implementation.
const X = [[0.1, 0.2], [0.4, 0.9], [0.8, 0.3], [0.5, 0.5], [0.95, 0.7]].map((r) => Float64Array.from(r));
const y = Float64Array.from([1.0, -0.5, 0.3, -1.2, 0.8]);
const Xs = [[0.3, 0.3], [0.6, 0.6], [0.0, 1.0]].map((r) => Float64Array.from(r));
const skMean = [-0.15805716910233164, -0.9012167315329572, 0.3211859975638957];
const skLatentVar = [0.2534391760900942, 0.13532070702242782, 0.797426930718435]; // in units of the amplitude
const skSigma2 = 1.1131727485710339;
const skLogLik = -6.593298757906789; // ConstantKernel(σ̂²)·Matern, alpha = σ̂²·g

test("GP posterior with fixed ARD lengthscales matches scikit-learn", () => {
  const gp = gpWithParams(X, y, [0, 1], [0.3, 0.6], 1e-3);
  close(gp.sigma2, skSigma2, 1e-6, "σ̂² (our 1e-8 diagonal jitter shifts the 8th digit)");
  close(gp.logLik, skLogLik, 1e-6, "log marginal likelihood");
  Xs.forEach((x, i) => {
    const p = gp.predict(x);
    close(p.mean, skMean[i], 1e-6, `mean ${i}`);
    close((p.sd * p.sd) / gp.sigma2, skLatentVar[i], 1e-6, `variance ${i}`);
  });
  // near-interpolation at the data (small noise)
  X.forEach((x, i) => close(gp.predict(x).mean, y[i], 0.02, `fit ${i}`));
});

test("Matérn 5/2, Cholesky, normal cdf and EI against references", () => {
  close(matern52(1), 0.5239941088318203, 1e-12, "k(r=1)");
  close(matern52(0), 1, 0);
  const A = Float64Array.from([4, 2, 2, 2, 5, 3, 2, 3, 6]);
  assert.ok(cholesky(A, 3));
  // L Lᵀ reproduces the matrix
  const L = (i: number, j: number) => (j <= i ? A[i * 3 + j] : 0);
  const orig = [4, 2, 2, 2, 5, 3, 2, 3, 6];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
    let s = 0;
    for (let k = 0; k < 3; k++) s += L(i, k) * L(j, k);
    close(s, orig[i * 3 + j], 1e-12);
  }
  assert.not.ok(cholesky(Float64Array.from([1, 2, 2, 1]), 2));
  const cdf: [number, number][] = [[-2, 0.022750131948179195], [-0.5, 0.3085375387259869], [0, 0.5], [0.7, 0.758036347776927], [2.5, 0.9937903346742238]];
  for (const [z, p] of cdf) close(normCdf(z), p, 2e-7, `Φ(${z})`);
  close(expectedImprovement(0.2, 0.5, 0, 0), 0.1152194184737265, 1e-6, "EI");
  close(expectedImprovement(0, 1, 0, 0), 1 / Math.sqrt(2 * Math.PI), 1e-9, "EI at the incumbent = σφ(0)");
  close(expectedImprovement(-1, 0, 0, 0), 1, 1e-12, "EI with no uncertainty = improvement");
});

test("likelihood fit: ARD finds the irrelevant dimension (long lengthscale there)", () => {
  const rng = Rng.forSearch(3);
  const Xt: Float64Array[] = [];
  const yt: number[] = [];
  for (let i = 0; i < 25; i++) {
    const x = Float64Array.from([rng.next(), rng.next()]);
    Xt.push(x);
    yt.push(Math.sin(6 * x[0])); // depends on x0 only
  }
  const m = yt.reduce((a, b) => a + b) / yt.length;
  const sd = Math.sqrt(yt.reduce((a, b) => a + (b - m) ** 2, 0) / yt.length);
  const gp = fitGp(Xt, Float64Array.from(yt.map((v) => (v - m) / sd)), [0, 1], 2);
  assert.ok(gp.lengthscales[1] > 3 * gp.lengthscales[0], `lengthscales ${gp.lengthscales}`);
  // and it predicts held-out points well
  let err = 0;
  for (let i = 0; i < 20; i++) {
    const x = Float64Array.from([rng.next(), rng.next()]);
    err += Math.abs(gp.predict(x).mean * sd + m - Math.sin(6 * x[0]));
  }
  assert.ok(err / 20 < 0.05, `mean abs error ${err / 20}`);
});

test.run();
