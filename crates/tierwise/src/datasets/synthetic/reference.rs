//! Reference data the generator draws from: real countries, commodities and their producers,
//! part and company names.

/// (code, governance, hazard, p_event, ttr_days, manufacturing weight). Governance loosely
/// follows the World Bank governance indicators, hazard the natural-hazard exposure (quakes,
/// floods, typhoons), p_event the yearly chance of a country-wide disruption.
pub(super) const COUNTRIES: [(&str, f64, f64, f64, f64, u32); 44] = [
    ("AR", 0.42, 0.25, 0.035, 35.0, 1),
    ("AU", 0.88, 0.40, 0.03, 28.0, 1),
    ("BE", 0.85, 0.10, 0.01, 14.0, 2),
    ("BO", 0.30, 0.35, 0.05, 45.0, 0),
    ("BR", 0.45, 0.30, 0.04, 28.0, 3),
    ("CA", 0.88, 0.25, 0.02, 21.0, 3),
    ("CD", 0.10, 0.50, 0.08, 60.0, 0),
    ("CH", 0.95, 0.10, 0.005, 10.0, 2),
    ("CL", 0.72, 0.60, 0.04, 30.0, 0),
    ("CN", 0.42, 0.45, 0.05, 30.0, 40),
    ("CZ", 0.78, 0.12, 0.01, 14.0, 4),
    ("DE", 0.88, 0.15, 0.01, 14.0, 10),
    ("ES", 0.72, 0.20, 0.015, 14.0, 3),
    ("FR", 0.80, 0.15, 0.01, 14.0, 4),
    ("GB", 0.85, 0.12, 0.01, 14.0, 3),
    ("GN", 0.18, 0.35, 0.07, 45.0, 0),
    ("HK", 0.75, 0.35, 0.03, 14.0, 1),
    ("HU", 0.65, 0.10, 0.012, 14.0, 3),
    ("ID", 0.45, 0.65, 0.06, 30.0, 3),
    ("IL", 0.68, 0.35, 0.06, 21.0, 1),
    ("IN", 0.50, 0.55, 0.05, 28.0, 10),
    ("IT", 0.68, 0.35, 0.02, 21.0, 5),
    ("JP", 0.85, 0.70, 0.04, 30.0, 10),
    ("KR", 0.78, 0.30, 0.02, 14.0, 8),
    ("KZ", 0.35, 0.20, 0.04, 35.0, 0),
    ("MA", 0.45, 0.25, 0.03, 28.0, 1),
    ("MX", 0.40, 0.45, 0.04, 21.0, 8),
    ("MY", 0.62, 0.30, 0.03, 21.0, 5),
    ("NL", 0.92, 0.15, 0.01, 10.0, 2),
    ("NO", 0.95, 0.05, 0.005, 10.0, 0),
    ("PE", 0.40, 0.60, 0.05, 35.0, 0),
    ("PH", 0.42, 0.75, 0.07, 30.0, 3),
    ("PL", 0.70, 0.10, 0.01, 14.0, 5),
    ("RO", 0.58, 0.25, 0.02, 14.0, 2),
    ("RU", 0.20, 0.25, 0.06, 60.0, 1),
    ("SE", 0.92, 0.05, 0.005, 10.0, 2),
    ("SG", 0.92, 0.10, 0.008, 10.0, 2),
    ("TH", 0.52, 0.50, 0.05, 28.0, 5),
    ("TR", 0.38, 0.60, 0.05, 28.0, 4),
    ("TW", 0.80, 0.65, 0.05, 30.0, 10),
    ("US", 0.80, 0.35, 0.02, 21.0, 15),
    ("VN", 0.45, 0.50, 0.04, 21.0, 8),
    ("ZA", 0.48, 0.25, 0.04, 35.0, 1),
    ("ZM", 0.42, 0.20, 0.035, 35.0, 0),
];

/// Where the focal company runs plants.
pub(super) const PLANT_COUNTRIES: [&str; 16] = [
    "US", "DE", "JP", "MX", "CN", "FR", "KR", "CZ", "PL", "IN", "BR", "GB", "ES", "IT", "HU", "SE",
];

/// Trade hubs where distributors sit.
pub(super) const HUB_COUNTRIES: [&str; 8] = ["SG", "NL", "US", "DE", "HK", "CH", "GB", "BE"];

/// Commodities and their producing countries, leading producer first.
pub(super) const RAW_MATERIALS: [(&str, &[&str]); 24] = [
    ("Copper cathode", &["CL", "PE", "CD", "ZM", "CN"]),
    ("Cobalt hydroxide", &["CD", "ID", "AU"]),
    ("Lithium carbonate", &["AU", "CL", "CN", "AR"]),
    ("Rare earth oxide", &["CN", "AU"]),
    ("Nickel matte", &["ID", "PH", "RU"]),
    ("Platinum group metals", &["ZA", "RU"]),
    ("Bauxite", &["AU", "GN", "CN"]),
    ("Iron ore", &["AU", "BR", "ZA"]),
    ("Tungsten concentrate", &["CN", "RU"]),
    ("Tin ingot", &["CN", "ID", "PE"]),
    ("Gallium", &["CN"]),
    ("Natural graphite", &["CN", "BR"]),
    ("Palladium", &["RU", "ZA"]),
    ("Silicon metal", &["CN", "BR", "NO"]),
    ("Zinc concentrate", &["CN", "AU", "PE"]),
    ("Tantalum ore", &["CD", "BR"]),
    ("Manganese ore", &["ZA", "AU"]),
    ("Phosphate rock", &["MA", "CN"]),
    ("Titanium sponge", &["CN", "KZ", "RU"]),
    ("Magnesium ingot", &["CN"]),
    ("Molybdenum concentrate", &["CN", "CL", "PE"]),
    ("Lithium brine", &["CL", "AR", "BO"]),
    ("Potash", &["CA", "RU"]),
    ("Chromite", &["ZA", "KZ"]),
];

pub(super) const PRODUCT_NAMES: [&str; 13] = [
    "Electric vehicle",
    "Industrial robot",
    "Wind turbine",
    "Infusion pump",
    "Server rack",
    "Heat pump",
    "E-bike",
    "Tractor",
    "MRI scanner",
    "Delivery drone",
    "Forklift",
    "Solar inverter",
    "Elevator",
];

pub(super) const ASSEMBLY_NAMES: [&str; 18] = [
    "Drive unit",
    "Battery pack",
    "Control cabinet",
    "Chassis",
    "Gearbox",
    "Cooling module",
    "Power electronics module",
    "Display unit",
    "Sensor module",
    "Hydraulic unit",
    "Seat module",
    "Door module",
    "Brake system",
    "Wiring harness",
    "Motor assembly",
    "Frame assembly",
    "Pump assembly",
    "Valve block",
];

pub(super) const COMPONENT_NAMES: [&str; 25] = [
    "Bearing",
    "Printed circuit board",
    "Capacitor",
    "Connector",
    "Housing",
    "Fastener kit",
    "Sensor",
    "Cable",
    "Microcontroller",
    "Gasket",
    "Spring",
    "Shaft",
    "Gear",
    "Casting",
    "Forging",
    "Stamped bracket",
    "Moulded cover",
    "Relay",
    "Fuse",
    "Power MOSFET",
    "Magnet",
    "Copper coil",
    "Glass panel",
    "Rubber hose",
    "Filter",
];

pub(super) const NAME_HEADS: [&str; 26] = [
    "Ar", "Bel", "Cor", "Dan", "El", "Fen", "Gal", "Hal", "Ir", "Jor", "Kel", "Lum", "Mar", "Nor",
    "Or", "Pra", "Quin", "Ros", "Sol", "Tor", "Ul", "Val", "Wes", "Xan", "Yor", "Zen",
];
pub(super) const NAME_MIDS: [&str; 10] = ["a", "e", "i", "o", "u", "an", "en", "ex", "ix", "or"];
pub(super) const NAME_TAILS: [&str; 20] = [
    "tek", "dyn", "tron", "mex", "tis", "vis", "lux", "gen", "ton", "ria", "com", "nova", "dex",
    "lith", "mar", "ron", "via", "ta", "max", "sys",
];

pub(super) fn country_index(code: &str) -> usize {
    COUNTRIES
        .iter()
        .position(|c| c.0 == code)
        .expect("reference lists only name countries of COUNTRIES")
}
