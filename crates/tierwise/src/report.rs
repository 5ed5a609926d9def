//! The batch risk-propagation report (`tierwise report`).
