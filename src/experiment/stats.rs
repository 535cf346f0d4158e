//! Mean and 95% confidence interval over seeds (Student's t, via statrs).

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean and half-width of the 95% confidence interval of a sample.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Estimate {
    /// Sample mean.
    pub mean: f64,
    /// Half-width of the 95% interval (0 with one sample).
    pub ci95: f64,
    /// Sample size.
    pub n: usize,
}

/// Mean and 95% interval of `xs` (t-distribution with n−1 degrees of freedom).
pub fn estimate(xs: &[f64]) -> Estimate {
    let n = xs.len();
    if n == 0 {
        return Estimate {
            mean: f64::NAN,
            ci95: f64::NAN,
            n,
        };
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Estimate { mean, ci95: 0.0, n };
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .expect("valid dof")
        .inverse_cdf(0.975);
    Estimate {
        mean,
        ci95: t * (var / n as f64).sqrt(),
        n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn matches_textbook_values() {
        let e = estimate(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(e.mean, 3.0);
        // t(0.975, 4) = 2.776, s = 1.5811, s/√5 = 0.7071 → 1.963
        assert!((e.ci95 - 1.963).abs() < 1e-3, "{}", e.ci95);
        assert_eq!(estimate(&[7.0]).ci95, 0.0);
    }
}
