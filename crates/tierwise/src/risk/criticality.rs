//! Criticality and mitigation (DESIGN 3.5).
