//! The scoring policy parser: arbitrary text as a policy TOML.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tierwise::risk::Policy;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(p) = Policy::from_toml_str(text, "fuzz.toml")
    {
        // A policy that parses must score without panicking.
        for s in [0.0, 0.5, 1.0, 100.0] {
            let _ = p.p_of_score(s);
        }
    }
});
