//! Fitting the model's cost parameters to measurements, deterministically.
//!
//! Every measured [`CalPoint`] is simulated with the same workload (its `settings`), the
//! machine's environment ([`Env`]: cores, layout, broker settings) and candidate cost parameters
//! ([`PARAMS`]). The objective is the mean squared log error of throughput over the points whose
//! role is [`Role::Fit`], plus a small pull (weight [`PRIOR_WEIGHT`]) towards the model's
//! defaults so that a parameter the data cannot see stays where it was:
//!
//! ```text
//! J(θ) = mean over fit points (ln sim(θ) − ln measured)²  +  w · mean over params (ln θ − ln θ₀)²
//! ```
//!
//! It is minimised by Nelder–Mead in log space (bounded, a fixed iteration budget, one restart
//! from the best vertex). Simulations of one evaluation run on rayon and are gathered in point
//! order, with fixed seeds: the result does not depend on the thread count.

use rayon::prelude::*;

use super::data::{CalPoint, Phase, Role};
use crate::experiment::simulate;
use crate::scenario::{keys, Config, ScenarioError, SimConfig, Value};

/// One fitted cost parameter: a scenario key and its search bounds.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Scenario key.
    pub key: &'static str,
    /// Smallest value tried.
    pub lo: f64,
    /// Largest value tried.
    pub hi: f64,
}

const fn p(key: &'static str, lo: f64, hi: f64) -> Param {
    Param { key, lo, hi }
}

/// The cost parameters a calibration fits: client and broker CPU per record, per byte and per
/// request, and the loopback bandwidth. (`host.cores` and `cluster.layout` — the CPU broker and
/// clients share on one host — are set from the machine, not fitted.)
pub const PARAMS: &[Param] = &[
    p("producer.send_cpu_us_per_record", 0.01, 100.0),
    p("producer.cpu_ns_per_byte", 0.001, 100.0),
    p("producer.request_cpu_us", 0.1, 10_000.0),
    p("broker.request_cpu_us", 0.1, 10_000.0),
    p("broker.produce_cpu_us_per_batch", 0.1, 10_000.0),
    p("broker.produce_cpu_ns_per_byte", 0.001, 100.0),
    p("broker.fetch_cpu_us_per_partition", 0.1, 10_000.0),
    p("broker.fetch_cpu_ns_per_byte", 0.001, 100.0),
    p("consumer.poll_cpu_us_per_record", 0.01, 100.0),
    p("consumer.cpu_ns_per_byte", 0.001, 100.0),
    p("consumer.request_cpu_us", 0.1, 10_000.0),
    p("network.loopback_gbps", 0.1, 1_000.0),
    p("network.loopback_latency_us", 1.0, 100_000.0),
];

/// Which of [`PARAMS`] the environment sets (`kafkasim calibrate --set`): those are held at
/// their value, not fitted (a cost measured another way, such as the broker's own CPU by
/// scripts/broker-cpu.sh, so that the fit does not give its share of a cycle to the others).
pub fn held(env: &Env) -> Vec<bool> {
    PARAMS
        .iter()
        .map(|p| env.iter().any(|(k, _)| k == p.key))
        .collect()
}

/// Weight of the pull towards the defaults (see the module docs).
pub const PRIOR_WEIGHT: f64 = 1e-3;

/// Scenario keys describing the measured machine and cluster, applied to every point.
pub type Env = Vec<(String, String)>;

/// A failure to build or run a simulation of a point.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// A point's settings (or the environment) are not a valid scenario.
    #[error("point {point:?}: {source}")]
    Scenario {
        /// The point.
        point: String,
        /// Why.
        source: ScenarioError,
    },
    /// A simulation hit its budget.
    #[error("point {point:?}: simulation failed: {reason}")]
    Simulation {
        /// The point.
        point: String,
        /// Why.
        reason: String,
    },
    /// Nothing to fit.
    #[error("no point with role `fit` has a warm measurement: nothing to fit")]
    NothingToFit,
}

/// The configuration that simulates `point` with environment `env` and parameters `values`
/// (aligned with [`PARAMS`]; `None` keeps the model's defaults).
pub fn config_for(point: &CalPoint, env: &Env, values: Option<&[f64]>) -> Result<Config, FitError> {
    let bad = |source| FitError::Scenario {
        point: point.name.clone(),
        source,
    };
    let mut c = Config::default();
    for (k, v) in env.iter().chain(&point.settings) {
        let spec = keys::spec(k).ok_or_else(|| {
            bad(ScenarioError::UnknownKey {
                key: k.clone(),
                suggestion: keys::nearest(k),
            })
        })?;
        c.set(spec.path, Value::from_str(spec, v).map_err(bad)?);
    }
    if let Some(values) = values {
        for (p, v) in PARAMS.iter().zip(values) {
            c.set(p.key, Value::Float(*v));
        }
    }
    Ok(c)
}

/// The model's value of every parameter for `point`'s client (the fit's starting point).
pub fn defaults_for(point: &CalPoint, env: &Env) -> Result<Vec<f64>, FitError> {
    let c = config_for(point, env, None)?;
    Ok(PARAMS
        .iter()
        .map(|p| match c.get(p.key) {
            Value::Float(f) => f,
            Value::Int(i) => i as f64,
            _ => unreachable!("cost parameters are numbers"),
        })
        .collect())
}

/// What the simulator predicts for one point (mean over seeds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// Records/s: produced, or consumed after the group formed.
    pub throughput: f64,
    /// Wall time of the phase, s (consume: from the consumers' start, join included).
    pub wall_s: f64,
    /// Consume: time until the group formed, s (0 for produce).
    pub join_s: f64,
}

/// Simulates `point` once per seed and averages.
pub fn predict(cfg: &SimConfig, point: &CalPoint, seeds: &[u64]) -> Result<Prediction, FitError> {
    let mut t = 0.0;
    let mut w = 0.0;
    let mut j = 0.0;
    for &seed in seeds {
        let out = simulate(cfg, seed).map_err(|e| FitError::Simulation {
            point: point.name.clone(),
            reason: e.to_string(),
        })?;
        let s = &out.summary;
        match point.phase {
            Phase::Produce => {
                t += s.produce_records_per_s;
                w += s.produce_s;
            }
            Phase::Consume => {
                t += s.consume_records_per_s_after_join;
                w += s.consume_s;
                j += s.join_s;
            }
        }
    }
    let n = seeds.len().max(1) as f64;
    Ok(Prediction {
        throughput: t / n,
        wall_s: w / n,
        join_s: j / n,
    })
}

/// Predictions for every point with parameters `values` (rayon; results in point order).
pub fn predict_all(
    points: &[CalPoint],
    env: &Env,
    values: Option<&[f64]>,
    seeds: &[u64],
) -> Result<Vec<Prediction>, FitError> {
    points
        .par_iter()
        .map(|p| {
            let c = config_for(p, env, values)?;
            let cfg = SimConfig::from_config(&c).map_err(|source| FitError::Scenario {
                point: p.name.clone(),
                source,
            })?;
            predict(&cfg, p, seeds)
        })
        .collect()
}

/// Options of [`fit`].
#[derive(Debug, Clone)]
pub struct FitOptions {
    /// Objective evaluations allowed (each simulates every fit point once per seed).
    pub max_evals: usize,
    /// Seeds of the simulations.
    pub seeds: Vec<u64>,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            max_evals: 600,
            seeds: vec![1],
        }
    }
}

/// The outcome of a fit.
#[derive(Debug, Clone)]
pub struct Fit {
    /// Fitted value of each of [`PARAMS`] (a held one's: its value).
    pub values: Vec<f64>,
    /// Per parameter, whether it was held at the environment's value ([`held`]).
    pub held: Vec<bool>,
    /// The model's defaults the fit started from (a held parameter's: its value).
    pub start: Vec<f64>,
    /// Mean squared log error of throughput on the fit points, at the start.
    pub msle_start: f64,
    /// The same at the end.
    pub msle: f64,
    /// Objective evaluations used.
    pub evals: usize,
    /// Fit points used.
    pub points: usize,
}

/// The points a fit uses: role [`Role::Fit`], and not measured under steal — a point whose
/// figures keep loaded runs (too few were quiet: [`CalPoint::loaded`]) measured the machine's
/// other tenants too, so it is left out, unless every fit point is.
pub fn fitted_points(points: &[CalPoint]) -> Vec<&CalPoint> {
    let fit: Vec<&CalPoint> = points.iter().filter(|p| p.role == Role::Fit).collect();
    let quiet: Vec<&CalPoint> = fit.iter().copied().filter(|p| p.loaded().1 == 0).collect();
    if quiet.is_empty() {
        fit
    } else {
        quiet
    }
}

/// Fits [`PARAMS`] on the [`fitted_points`] that have warm measurements.
///
/// `on_eval` is called after each evaluation of the objective (at most
/// [`evaluations_at_most`]), for progress displays.
pub fn fit(
    points: &[CalPoint],
    env: &Env,
    opts: &FitOptions,
    on_eval: &dyn Fn(),
) -> Result<Fit, FitError> {
    let fit_points: Vec<(&CalPoint, f64, Config)> = fitted_points(points)
        .into_iter()
        .filter_map(|p| p.warm().filter(|s| s.mean > 0.0).map(|s| (p, s.mean)))
        .map(|(p, m)| {
            let c = config_for(p, env, None)?;
            SimConfig::from_config(&c).map_err(|source| FitError::Scenario {
                point: p.name.clone(),
                source,
            })?;
            Ok((p, m, c))
        })
        .collect::<Result<_, FitError>>()?;
    let Some(first) = fit_points.first() else {
        return Err(FitError::NothingToFit);
    };
    // The model's defaults, and the held parameters' values (the environment sets them).
    let start = defaults_for(first.0, env)?;
    let held = held(env);
    let free: Vec<usize> = (0..PARAMS.len()).filter(|&i| !held[i]).collect();
    let x0: Vec<f64> = free.iter().map(|&i| start[i].max(1e-9).ln()).collect();
    let bounds: Vec<(f64, f64)> = free
        .iter()
        .map(|&i| (PARAMS[i].lo.ln(), PARAMS[i].hi.ln()))
        .collect();
    let msle_at = |x: &[f64]| -> f64 {
        let errs: Vec<f64> = fit_points
            .par_iter()
            .map(|(p, measured, base)| {
                let mut c = base.clone();
                for (&i, lv) in free.iter().zip(x) {
                    c.set(PARAMS[i].key, Value::Float(lv.exp()));
                }
                let Ok(cfg) = SimConfig::from_config(&c) else {
                    return 100.0;
                };
                match predict(&cfg, p, &opts.seeds) {
                    Ok(pr) if pr.throughput > 0.0 => (pr.throughput.ln() - measured.ln()).powi(2),
                    _ => 100.0,
                }
            })
            .collect();
        on_eval();
        errs.iter().sum::<f64>() / errs.len() as f64
    };
    let objective = |x: &[f64]| -> f64 {
        let prior =
            x.iter().zip(&x0).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / x.len().max(1) as f64;
        msle_at(x) + PRIOR_WEIGHT * prior
    };
    let msle_start = msle_at(&x0);
    let (first, second) = halves(opts.max_evals);
    let (x2, e1, e2) = if free.is_empty() {
        (x0, 0, 0) // every parameter held: nothing to search
    } else {
        let (x1, _, e1) = nelder_mead(&objective, &x0, &bounds, 0.7, first);
        let (x2, _, e2) = nelder_mead(&objective, &x1, &bounds, 0.3, second);
        (x2, e1, e2)
    };
    let mut values = start.clone();
    for (&i, lv) in free.iter().zip(&x2) {
        values[i] = lv.exp();
    }
    Ok(Fit {
        msle: msle_at(&x2),
        values,
        held,
        start,
        msle_start,
        evals: e1 + e2 + 2,
        points: fit_points.len(),
    })
}

/// The evaluations allowed to the fit's two Nelder–Mead runs (a wide, then a narrow simplex).
fn halves(max_evals: usize) -> (usize, usize) {
    let half = max_evals / 2;
    (half.max(1), max_evals - half.min(max_evals))
}

/// The most objective evaluations [`fit`] makes with `opts`: each Nelder–Mead run builds its
/// whole first simplex and finishes the iteration it is in (at most n + 1 more evaluations),
/// plus the two evaluations of the start and the result.
pub fn evaluations_at_most(opts: &FitOptions) -> usize {
    let n = PARAMS.len();
    let (first, second) = halves(opts.max_evals);
    let run = |max: usize| max.max(n + 1) + n + 1;
    run(first) + run(second) + 2
}

/// Minimises `f` from `x0` inside `bounds` (each coordinate clamped) with Nelder–Mead, the
/// initial simplex stepping `step` along each axis. Returns (best x, best f, evaluations).
pub fn nelder_mead(
    f: &dyn Fn(&[f64]) -> f64,
    x0: &[f64],
    bounds: &[(f64, f64)],
    step: f64,
    max_evals: usize,
) -> (Vec<f64>, f64, usize) {
    let n = x0.len();
    let clamp = |x: &mut Vec<f64>| {
        for (v, (lo, hi)) in x.iter_mut().zip(bounds) {
            *v = v.clamp(*lo, *hi);
        }
    };
    let evals = std::cell::Cell::new(0usize);
    let eval = |x: &[f64]| {
        evals.set(evals.get() + 1);
        f(x)
    };
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    let mut start = x0.to_vec();
    clamp(&mut start);
    let f0 = eval(&start);
    simplex.push((start.clone(), f0));
    for i in 0..n {
        let mut x = start.clone();
        // Step inwards when the start sits on the upper bound.
        x[i] = if x[i] + step <= bounds[i].1 {
            x[i] + step
        } else {
            x[i] - step
        };
        clamp(&mut x);
        let fx = eval(&x);
        simplex.push((x, fx));
    }
    while evals.get() < max_evals {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let best = simplex[0].1;
        let worst = simplex[n].1;
        if (worst - best).abs() <= 1e-10 * (1.0 + best.abs()) {
            break;
        }
        let centroid: Vec<f64> = (0..n)
            .map(|j| simplex[..n].iter().map(|v| v.0[j]).sum::<f64>() / n as f64)
            .collect();
        let towards = |t: f64| -> Vec<f64> {
            let mut x: Vec<f64> = (0..n)
                .map(|j| centroid[j] + t * (simplex[n].0[j] - centroid[j]))
                .collect();
            clamp(&mut x);
            x
        };
        let xr = towards(-1.0);
        let fr = eval(&xr);
        if fr < best {
            let xe = towards(-2.0);
            let fe = eval(&xe);
            simplex[n] = if fe < fr { (xe, fe) } else { (xr, fr) };
        } else if fr < simplex[n - 1].1 {
            simplex[n] = (xr, fr);
        } else {
            let (xc, fc) = if fr < worst {
                let x = towards(-0.5);
                let fx = eval(&x);
                (x, fx)
            } else {
                let x = towards(0.5);
                let fx = eval(&x);
                (x, fx)
            };
            if fc < worst.min(fr) {
                simplex[n] = (xc, fc);
            } else {
                let b = simplex[0].0.clone();
                for v in simplex.iter_mut().skip(1) {
                    let mut x: Vec<f64> =
                        v.0.iter().zip(&b).map(|(a, c)| c + 0.5 * (a - c)).collect();
                    clamp(&mut x);
                    v.1 = eval(&x);
                    v.0 = x;
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (x, fx) = simplex.swap_remove(0);
    (x, fx, evals.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::data::Sample;

    #[test]
    fn nelder_mead_finds_the_minimum_of_a_bowl_inside_bounds() {
        let f = |x: &[f64]| (x[0] - 1.0).powi(2) + 3.0 * (x[1] + 2.0).powi(2);
        let (x, fx, evals) = nelder_mead(&f, &[0.0, 0.0], &[(-5.0, 5.0), (-5.0, 5.0)], 0.5, 400);
        assert!(
            fx < 1e-8 && (x[0] - 1.0).abs() < 1e-3 && (x[1] + 2.0).abs() < 1e-3,
            "{x:?}"
        );
        assert!(evals <= 400);
        let (x, _, _) = nelder_mead(&f, &[0.0, 0.0], &[(-5.0, 0.5), (-1.0, 5.0)], 0.5, 400);
        assert!(
            (x[0] - 0.5).abs() < 1e-3 && (x[1] + 1.0).abs() < 1e-3,
            "bounded: {x:?}"
        );
    }

    fn point(
        name: &str,
        phase: Phase,
        partitions: u32,
        consumers: u32,
        value: u32,
        role: Role,
    ) -> CalPoint {
        CalPoint {
            name: name.into(),
            phase,
            consumers,
            role,
            settings: vec![
                ("client".into(), "librdkafka".into()),
                ("topic.partitions".into(), partitions.to_string()),
                ("producer.records".into(), "4000".into()),
                ("producer.value_bytes".into(), value.to_string()),
                ("producer.keys".into(), "random".into()),
                ("consumer.count".into(), consumers.to_string()),
                ("consumer.start_after_produce".into(), "true".into()),
                ("consumer.auto.offset.reset".into(), "earliest".into()),
            ],
            samples: vec![],
        }
    }

    #[test]
    fn points_measured_only_under_steal_are_left_out_of_the_fit() {
        let runs = |steal_s: [f64; 3]| -> Vec<Sample> {
            (0..3)
                .map(|r| Sample {
                    repetition: r,
                    cold: false,
                    records: 1000,
                    bytes: 0,
                    wall_s: 1.0,
                    first_record_s: None,
                    group_join_s: None,
                    records_per_consumer: vec![],
                    load_1m: None,
                    steal_s: Some(steal_s[r as usize]),
                })
                .collect()
        };
        let mut pts = vec![
            point("quiet", Phase::Produce, 1, 0, 100, Role::Fit),
            point("one-loaded", Phase::Produce, 1, 0, 100, Role::Fit),
            point("two-loaded", Phase::Produce, 1, 0, 1000, Role::Fit),
            point("held", Phase::Produce, 4, 0, 100, Role::HeldOut),
        ];
        pts[0].samples = runs([0.0, 0.01, 0.0]);
        pts[1].samples = runs([0.0, 0.2, 0.0]); // dropped from its mean, the point fitted
        pts[2].samples = runs([0.1, 0.2, 0.0]); // too few quiet runs: out of the fit
        pts[3].samples = runs([0.0; 3]);
        let names = |v: Vec<&CalPoint>| v.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(fitted_points(&pts)), ["quiet", "one-loaded"]);
        pts[0].samples = runs([0.1, 0.1, 0.1]);
        pts[1].samples = runs([0.1, 0.1, 0.0]);
        assert_eq!(
            names(fitted_points(&pts)),
            ["quiet", "one-loaded", "two-loaded"],
            "every fit point loaded: all are fitted rather than none"
        );
    }

    /// "Measurements" made by the simulator itself with known costs: the fit must find costs that
    /// predict them, including points it never saw.
    #[test]
    fn the_fit_recovers_known_costs_from_simulated_measurements() {
        let env: Env = vec![("host.cores".into(), "2".into())];
        let mut points = vec![
            point("p1-100/produce", Phase::Produce, 1, 0, 100, Role::Fit),
            point("p1-1000/produce", Phase::Produce, 1, 0, 1000, Role::Fit),
            point("p1-100/consume-1", Phase::Consume, 1, 1, 100, Role::Fit),
            point("p1-1000/consume-1", Phase::Consume, 1, 1, 1000, Role::Fit),
            point("p4-100/produce", Phase::Produce, 4, 0, 100, Role::HeldOut),
            point("p4-100/consume-4", Phase::Consume, 4, 4, 100, Role::HeldOut),
        ];
        let mut truth = defaults_for(&points[0], &env).unwrap();
        let idx = |k: &str| PARAMS.iter().position(|p| p.key == k).unwrap();
        truth[idx("producer.send_cpu_us_per_record")] = 2.0;
        truth[idx("consumer.poll_cpu_us_per_record")] = 1.2;
        let measured = predict_all(&points, &env, Some(&truth), &[1]).unwrap();
        for (p, m) in points.iter_mut().zip(&measured) {
            let wall = 4000.0 / m.throughput;
            p.samples = (0..2)
                .map(|r| Sample {
                    repetition: r,
                    cold: false,
                    records: 4000,
                    bytes: 0,
                    wall_s: wall,
                    first_record_s: None,
                    group_join_s: None,
                    records_per_consumer: vec![],
                    load_1m: None,
                    steal_s: None,
                })
                .collect();
        }
        let opts = FitOptions {
            max_evals: 300,
            seeds: vec![1],
        };
        let evals = std::cell::Cell::new(0);
        let fit = fit(&points, &env, &opts, &|| evals.set(evals.get() + 1)).unwrap();
        assert_eq!(
            evals.get(),
            fit.evals,
            "on_eval is called once per evaluation"
        );
        assert!(fit.evals <= evaluations_at_most(&opts));
        assert_eq!(fit.points, 4);
        assert!(fit.msle < fit.msle_start / 20.0, "{fit:?}");
        let predicted = predict_all(&points, &env, Some(&fit.values), &[1]).unwrap();
        for ((p, m), s) in points.iter().zip(&measured).zip(&predicted) {
            let err = (s.throughput / m.throughput - 1.0).abs();
            assert!(
                err < 0.05,
                "{}: measured {} predicted {}",
                p.name,
                m.throughput,
                s.throughput
            );
        }
        let send = fit.values[idx("producer.send_cpu_us_per_record")];
        assert!((send / 2.0 - 1.0).abs() < 0.25, "send cost {send}");
        // Same inputs, same answer.
        let again = super::fit(&points, &env, &opts, &|| {}).unwrap();
        assert_eq!(again.values, fit.values);
    }

    /// A cost the environment sets (`calibrate --set`) is held at its value: the fit moves the
    /// others only, and the profile names it once, as held.
    #[test]
    fn a_cost_set_in_the_environment_is_held_not_fitted() {
        let mut env: Env = vec![("host.cores".into(), "2".into())];
        let free = fit_one(&env);
        env.push(("broker.request_cpu_us".into(), "300".into()));
        let held = fit_one(&env);
        let i = PARAMS
            .iter()
            .position(|p| p.key == "broker.request_cpu_us")
            .unwrap();
        assert!(held.held[i] && !free.held[i]);
        assert!(held.held.iter().filter(|&&h| h).count() == 1);
        assert_eq!(held.values[i], 300.0, "{held:?}");
        assert_ne!(free.values[i], 300.0);
        let toml = crate::calibrate::compare::profile_toml(&env, &held, &[]);
        assert_eq!(
            toml.matches("\"request_cpu_us\" = 300").count(),
            1,
            "{toml}"
        );
        assert!(
            toml.contains("\"request_cpu_us\" = 300  # held (--set), not fitted"),
            "{toml}"
        );
    }

    fn fit_one(env: &Env) -> Fit {
        let mut p = point("p1-100/produce", Phase::Produce, 1, 0, 100, Role::Fit);
        p.samples = vec![Sample {
            repetition: 0,
            cold: false,
            records: 4000,
            bytes: 0,
            wall_s: 0.05,
            first_record_s: None,
            group_join_s: None,
            records_per_consumer: vec![],
            load_1m: None,
            steal_s: None,
        }];
        let opts = FitOptions {
            max_evals: 40,
            seeds: vec![1],
        };
        fit(&[p], env, &opts, &|| {}).unwrap()
    }
}
