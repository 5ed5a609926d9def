//! ISO 3166-1 alpha-2 country codes (the 249 officially assigned ones), plus `ZZ`, the
//! user-assigned code for "unknown or unspecified" that data without countries (the Willems
//! chains) use.

const CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL \
BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK \
DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU \
GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ \
LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY \
MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU \
RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO \
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW ZZ";

/// True when `code` is an assigned ISO 3166-1 alpha-2 code (upper case) or `ZZ`.
pub fn is_country_code(code: &str) -> bool {
    code.len() == 2 && CODES.split_ascii_whitespace().any(|c| c == code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn list_has_every_assigned_code_once() {
        let codes: Vec<&str> = super::CODES.split_ascii_whitespace().collect();
        assert_eq!(codes.len(), 250);
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 250);
        assert!(super::is_country_code("DE"));
        assert!(!super::is_country_code("de"));
        assert!(!super::is_country_code("XX"));
    }
}
