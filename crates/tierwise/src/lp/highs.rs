//! A minimal safe handle on one HiGHS instance (the C API of `highs-sys`): pass an LP once,
//! then change column bounds and re-solve from the previous basis (warm start).
//!
//! This is the only module of the crate with `unsafe` code; every block states why it is
//! sound. A [`Highs`] owns its instance, is `Send` (moved between rayon workers) but not
//! `Sync` (never shared): HiGHS instances are independent and may run on different threads.
#![allow(unsafe_code)]

use std::ffi::{CString, c_void};

use highs_sys as ffi;

/// Errors of the HiGHS layer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum HighsError {
    #[error("HiGHS could not create an instance")]
    Create,
    #[error("HiGHS refused the call {call} (status {status})")]
    Call { call: &'static str, status: i32 },
    #[error("the LP is too large for HiGHS's 32-bit indices")]
    TooLarge,
}

/// What a solve ended with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// An optimum with this objective value.
    Optimal(f64),
    /// The objective is unbounded (or HiGHS could not tell unbounded from infeasible on a
    /// model the caller knows to be feasible).
    Unbounded,
    /// Infeasible, or any other model status (the HiGHS code).
    Other(i32),
}

/// An LP in column-wise sparse form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LpData {
    pub maximize: bool,
    pub col_cost: Vec<f64>,
    pub col_lower: Vec<f64>,
    pub col_upper: Vec<f64>,
    pub row_lower: Vec<f64>,
    pub row_upper: Vec<f64>,
    /// Column starts (length = columns + 1), row indices and values.
    pub a_start: Vec<i32>,
    pub a_index: Vec<i32>,
    pub a_value: Vec<f64>,
}

/// One HiGHS instance holding one LP.
#[derive(Debug)]
pub struct Highs {
    ptr: *mut c_void,
    num_col: usize,
}

// SAFETY: a HiGHS instance has no thread affinity; the handle is used by one thread at a time
// (`&mut self` on every mutating call, no `Sync`), and HiGHS keeps no thread-local state tied
// to the creating thread.
unsafe impl Send for Highs {}

// HighsInt is i32, or i64 when HiGHS is built with HIGHSINT64: keep the casts.
#[allow(clippy::unnecessary_cast)]
fn check(call: &'static str, status: ffi::HighsInt) -> Result<(), HighsError> {
    if status == ffi::STATUS_ERROR {
        Err(HighsError::Call {
            call,
            status: status as i32,
        })
    } else {
        Ok(())
    }
}

impl Highs {
    /// A quiet, single-threaded instance holding `lp`.
    pub fn new(lp: &LpData) -> Result<Highs, HighsError> {
        let num_col = lp.col_cost.len();
        let num_row = lp.row_lower.len();
        let nnz = lp.a_index.len();
        if num_col >= i32::MAX as usize || num_row >= i32::MAX as usize || nnz >= i32::MAX as usize
        {
            return Err(HighsError::TooLarge);
        }
        assert_eq!(lp.col_lower.len(), num_col);
        assert_eq!(lp.col_upper.len(), num_col);
        assert_eq!(lp.row_upper.len(), num_row);
        assert_eq!(lp.a_start.len(), num_col + 1);
        assert_eq!(lp.a_value.len(), nnz);
        // SAFETY: Highs_create takes no arguments and returns an owned instance or null.
        let ptr = unsafe { ffi::Highs_create() };
        if ptr.is_null() {
            return Err(HighsError::Create);
        }
        let mut h = Highs { ptr, num_col };
        h.set_bool("output_flag", false)?;
        h.set_int("threads", 1)?;
        h.set_string("parallel", "off")?;
        let sense = if lp.maximize {
            ffi::OBJECTIVE_SENSE_MAXIMIZE
        } else {
            ffi::OBJECTIVE_SENSE_MINIMIZE
        };
        // SAFETY: every array has the length HiGHS reads from it (asserted above: columns,
        // rows, num_col + 1 starts, nnz indices and values); HiGHS copies them.
        let st = unsafe {
            ffi::Highs_passLp(
                h.ptr,
                num_col as ffi::HighsInt,
                num_row as ffi::HighsInt,
                nnz as ffi::HighsInt,
                ffi::MATRIX_FORMAT_COLUMN_WISE,
                sense,
                0.0,
                lp.col_cost.as_ptr(),
                lp.col_lower.as_ptr(),
                lp.col_upper.as_ptr(),
                lp.row_lower.as_ptr(),
                lp.row_upper.as_ptr(),
                lp.a_start.as_ptr(),
                lp.a_index.as_ptr(),
                lp.a_value.as_ptr(),
            )
        };
        check("Highs_passLp", st)?;
        Ok(h)
    }

    fn set_bool(&mut self, name: &str, v: bool) -> Result<(), HighsError> {
        let c = CString::new(name).expect("option names have no NUL");
        // SAFETY: `self.ptr` is a live instance and `c` a NUL-terminated string alive here.
        let st = unsafe { ffi::Highs_setBoolOptionValue(self.ptr, c.as_ptr(), v as ffi::HighsInt) };
        check("Highs_setBoolOptionValue", st)
    }

    fn set_int(&mut self, name: &str, v: i32) -> Result<(), HighsError> {
        let c = CString::new(name).expect("option names have no NUL");
        // SAFETY: as in `set_bool`.
        let st = unsafe { ffi::Highs_setIntOptionValue(self.ptr, c.as_ptr(), v as ffi::HighsInt) };
        check("Highs_setIntOptionValue", st)
    }

    /// Sets a string option (e.g. `presolve` = `off`).
    pub fn set_string(&mut self, name: &str, v: &str) -> Result<(), HighsError> {
        let c = CString::new(name).expect("option names have no NUL");
        let cv = CString::new(v).expect("option values have no NUL");
        // SAFETY: as in `set_bool`; both strings are NUL-terminated and alive for the call.
        let st = unsafe { ffi::Highs_setStringOptionValue(self.ptr, c.as_ptr(), cv.as_ptr()) };
        check("Highs_setStringOptionValue", st)
    }

    /// Changes the bounds of one column.
    pub fn set_col_bounds(&mut self, col: usize, lower: f64, upper: f64) -> Result<(), HighsError> {
        assert!(col < self.num_col, "column out of range");
        // SAFETY: `self.ptr` is live and `col` is a valid column index (checked above).
        let st =
            unsafe { ffi::Highs_changeColBounds(self.ptr, col as ffi::HighsInt, lower, upper) };
        check("Highs_changeColBounds", st)
    }

    /// Solves from the current basis (the previous solve's, if any). A run that HiGHS ends
    /// with an error (model status "solve error": it could not finish, e.g. could not tell
    /// an unbounded LP from numerical trouble) is an [`Outcome::Other`], for the caller to
    /// retry differently.
    #[allow(clippy::unnecessary_cast)] // see `check`
    pub fn run(&mut self) -> Result<Outcome, HighsError> {
        // SAFETY: `self.ptr` is a live instance holding a model. Its status is read below:
        // an error status comes with the model status that says why.
        let _ = unsafe { ffi::Highs_run(self.ptr) };
        // SAFETY: as above; these getters only read the instance.
        let status = unsafe { ffi::Highs_getModelStatus(self.ptr) };
        Ok(match status {
            ffi::MODEL_STATUS_OPTIMAL => {
                // SAFETY: as above.
                Outcome::Optimal(unsafe { ffi::Highs_getObjectiveValue(self.ptr) })
            }
            ffi::MODEL_STATUS_UNBOUNDED | ffi::MODEL_STATUS_UNBOUNDED_OR_INFEASIBLE => {
                Outcome::Unbounded
            }
            s => Outcome::Other(s as i32),
        })
    }

    /// The primal column values of the last solve.
    pub fn col_values(&self) -> Vec<f64> {
        let mut v = vec![0.0; self.num_col];
        // SAFETY: HiGHS writes num_col values into `v`; the other outputs may be null.
        unsafe {
            ffi::Highs_getSolution(
                self.ptr,
                v.as_mut_ptr(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            );
        }
        v
    }

    /// The column values and column duals (reduced costs) of the last solve.
    pub fn col_values_and_duals(&self) -> (Vec<f64>, Vec<f64>) {
        let mut v = vec![0.0; self.num_col];
        let mut d = vec![0.0; self.num_col];
        // SAFETY: HiGHS writes num_col values into `v` and `d`; the row outputs may be null.
        unsafe {
            ffi::Highs_getSolution(
                self.ptr,
                v.as_mut_ptr(),
                d.as_mut_ptr(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            );
        }
        (v, d)
    }

    /// Drops the basis so the next solve starts cold.
    pub fn clear_solver(&mut self) -> Result<(), HighsError> {
        // SAFETY: `self.ptr` is a live instance.
        let st = unsafe { ffi::Highs_clearSolver(self.ptr) };
        check("Highs_clearSolver", st)
    }
}

impl Drop for Highs {
    fn drop(&mut self) {
        // SAFETY: `self.ptr` came from Highs_create, is non-null and is destroyed exactly once.
        unsafe { ffi::Highs_destroy(self.ptr) }
    }
}
