//! The live state: an analysis whose network follows the events, the exposures it keeps up
//! to date, the active disruptions, and the ids already seen.
//!
//! A value change (a share, a stock, a score input) patches the compiled network in place and
//! re-runs only the units whose cones can read it (`risk::update`); a structural change (a
//! row or site that appears or disappears) compiles the changed tables again, which also
//! checks that no cycle was closed. Either way the kept results equal a fresh compile and
//! analysis of the same state (tested number for number).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use super::state::{Effect, Refusal, Rows, apply};
use super::{Change, Event, EventError, Writes};
use crate::model::SubjectKind;
use crate::model::Target;
use crate::network::Network;
use crate::progress::Progress;
use crate::risk::{Analysis, Disruption, Exposure, KeptCones, Touched, UnitKind};

/// The kinds of unit whose exposure a live state keeps by default.
pub const LIVE_KINDS: [UnitKind; 3] = [UnitKind::Site, UnitKind::Company, UnitKind::Country];

/// An active disruption (from `site.down` until `site.up`).
#[derive(Debug, Clone, PartialEq)]
pub struct Down {
    pub since: DateTime<Utc>,
    /// Expected days to recover, from the event (else the site's TTR applies).
    pub ttr_days: Option<f64>,
    pub event_id: String,
}

/// What became of one event of a batch.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Status {
    /// Applied; `won` is false for a late event whose every value was already newer.
    Applied {
        won: bool,
    },
    /// Its id was applied before with the same content: nothing to do.
    Duplicate,
    Rejected(EventError),
}

/// One event's outcome and timings.
#[derive(Debug, Clone, PartialEq)]
pub struct EventOutcome {
    pub line: usize,
    pub id: String,
    pub kind: String,
    pub status: Status,
    /// Event `time` to received, in seconds (time to detect).
    pub detect_s: f64,
}

/// One changed result: a unit's (or products row's) metric before and after a batch, and the
/// events that moved it. `before` is `None` for what did not exist, `after` for what is gone.
#[derive(Debug, Clone, PartialEq)]
pub struct DeltaRow {
    /// `site`, `company`, `country` or `row`.
    pub kind: &'static str,
    pub id: String,
    /// `p_fail`, `pi`, `rei`, `min_tts`, `exposed`, `ttr`, `down` or `availability`.
    pub metric: &'static str,
    pub before: Option<f64>,
    pub after: Option<f64>,
    pub event_ids: Vec<String>,
}

/// What a batch did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub events: Vec<EventOutcome>,
    pub delta: Vec<DeltaRow>,
    /// Received to delta computed, in seconds (time to respond), for the whole batch.
    pub respond_s: f64,
}

impl Outcome {
    pub fn rejected(&self) -> impl Iterator<Item = &EventError> {
        self.events.iter().filter_map(|e| match &e.status {
            Status::Rejected(err) => Some(err),
            _ => None,
        })
    }

    pub fn applied(&self) -> usize {
        let ok = |e: &&EventOutcome| matches!(e.status, Status::Applied { .. });
        self.events.iter().filter(ok).count()
    }
}

/// The live state of a knowledge graph.
pub struct Live {
    analysis: Analysis,
    writes: Writes,
    /// Content of every event id applied.
    seen: HashMap<String, String>,
    down: BTreeMap<String, Down>,
    kept: Vec<Exposure>,
    /// Per kept exposure, the large cones kept up to date beside it (`risk::kept`).
    cones: Vec<KeptCones>,
    /// The hash of the tables the events were applied to (the loads).
    base: String,
    /// The order-free sum of the digests of the events applied (see [`Live::state_hash`]).
    applied: EventSum,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("sites", &self.analysis.network().sites().len())
            .field("events", &self.seen.len())
            .field("down", &self.down)
            .finish_non_exhaustive()
    }
}

/// What the events of a batch touched, for the re-run and the attribution of the delta.
#[derive(Default)]
struct Batch {
    touched: Touched,
    /// Per event applied, the sites whose units it can move.
    reach: Vec<(String, BTreeSet<u32>)>,
    structural: Vec<String>,
    down_changed: Vec<String>,
    scored_by: BTreeMap<u32, Vec<String>>,
}

impl Live {
    /// The live state of `analysis`, keeping the exposure of `kinds` (computed now in full).
    pub fn new(analysis: Analysis, kinds: &[UnitKind]) -> Live {
        let base = tables_hash(analysis.network().tables());
        Live::with_base(analysis, kinds, base)
    }

    fn with_base(analysis: Analysis, kinds: &[UnitKind], base: String) -> Live {
        let (kept, cones) = kinds.iter().map(|&k| analysis.exposure_keeping(k)).unzip();
        Live {
            analysis,
            writes: Writes::default(),
            seen: HashMap::new(),
            down: BTreeMap::new(),
            kept,
            cones,
            base,
            applied: EventSum::default(),
        }
    }

    /// A live state resumed from a replay of stored events (`replayed.tables` compiled into
    /// `analysis`).
    pub fn resume(analysis: Analysis, replayed: super::Replayed, kinds: &[UnitKind]) -> Live {
        let base = match replayed.base {
            Some(b) => b,
            None => tables_hash(analysis.network().tables()),
        };
        let mut live = Live::with_base(analysis, kinds, base);
        for (id, content) in &replayed.seen {
            live.applied.add(id, content);
        }
        live.writes = replayed.writes;
        live.seen = replayed.seen;
        live.down = replayed.down;
        live
    }

    /// A hash of the state: of the tables the events were applied to (the loads) and of
    /// the set of events applied (id and content). The events decide the state whatever the
    /// order they arrived in (the newest word wins), so the hash is order-free too: a sum of
    /// the events' sha256, kept as they apply, so taking it costs nothing at any size (a
    /// hash of the whole network was about 60 % of an event's time at 10k sites).
    pub fn state_hash(&self) -> String {
        let text = format!(
            "tierwise state\n{}\n{:016x}{:016x}{:016x}{:016x}",
            self.base, self.applied.0[0], self.applied.0[1], self.applied.0[2], self.applied.0[3]
        );
        crate::hash::sha256_hex(text.as_bytes())
    }

    pub fn analysis(&self) -> &Analysis {
        &self.analysis
    }

    /// The kept exposure of `kind`, if it is kept.
    pub fn exposure(&self, kind: UnitKind) -> Option<&Exposure> {
        self.kept.iter().find(|e| e.kind == kind)
    }

    /// The active disruptions, by site.
    pub fn down(&self) -> &BTreeMap<String, Down> {
        &self.down
    }

    pub fn writes(&self) -> &Writes {
        &self.writes
    }

    /// Whether an event with this id was applied.
    pub fn has_seen(&self, id: &str) -> bool {
        self.seen.contains_key(id)
    }

    /// Applies a batch of parsed events (with their line numbers), each on its own: a
    /// rejected event changes nothing and the others still apply. Returns each event's
    /// outcome and the delta of the kept results.
    pub fn apply(&mut self, events: &[(usize, Event)], received: DateTime<Utc>) -> Outcome {
        self.apply_with(events, received, &Progress::new())
    }

    /// [`Live::apply`], stopping before the next event once `progress` is cancelled (Ctrl-C):
    /// the outcome then lists the events reached, each applied whole, and the kept results
    /// follow them; the events not reached are not in it.
    pub fn apply_with(
        &mut self,
        events: &[(usize, Event)],
        received: DateTime<Utc>,
        progress: &Progress,
    ) -> Outcome {
        let clock = std::time::Instant::now();
        let before_rows = self.row_availability();
        let mut batch = Batch::default();
        let mut out = Outcome::default();
        let mut old_risks: BTreeMap<u32, f64> = BTreeMap::new();
        for (line, e) in events {
            if progress.is_cancelled() {
                break;
            }
            let status = self.apply_one(*line, e, &mut batch, &mut old_risks);
            out.events.push(EventOutcome {
                line: *line,
                id: e.id.clone(),
                kind: e.kind.clone(),
                status,
                detect_s: (received - e.time).num_milliseconds() as f64 / 1000.0,
            });
        }
        out.delta = self.follow(&batch, &old_risks);
        out.delta.extend(self.row_delta(&before_rows, &batch));
        out.respond_s = clock.elapsed().as_secs_f64();
        out
    }

    fn apply_one(
        &mut self,
        line: usize,
        e: &Event,
        batch: &mut Batch,
        old_risks: &mut BTreeMap<u32, f64>,
    ) -> Status {
        match self.seen.get(&e.id) {
            Some(c) if *c == e.content => return Status::Duplicate,
            Some(_) => {
                let why = "this id was applied before with different content";
                return Status::Rejected(error(line, "id", &e.id, why));
            }
            None => {}
        }
        let r = match &e.change {
            Change::SiteDown { .. } | Change::SiteUp { .. } => self.disruption(e, batch),
            c if c.is_structural(&mut self.analysis.network_mut().patch()) => {
                self.structural(e, batch)
            }
            _ => self.value_change(e, batch, old_risks),
        };
        match r {
            Ok(won) => {
                self.applied.add(&e.id, &e.content);
                self.seen.insert(e.id.clone(), e.content.clone());
                Status::Applied { won }
            }
            Err(r) => Status::Rejected(error(line, r.field, &r.value, &r.reason)),
        }
    }

    fn disruption(&mut self, e: &Event, batch: &mut Batch) -> Result<bool, Refusal> {
        let known = |site: &str| self.analysis.network().site_index(site).is_some();
        let won = record_down(&mut self.writes, &mut self.down, e, known)?;
        if won {
            batch.down_changed.push(e.id.clone());
        }
        Ok(won)
    }

    /// A change of values only: patched in place.
    fn value_change(
        &mut self,
        e: &Event,
        batch: &mut Batch,
        old_risks: &mut BTreeMap<u32, f64>,
    ) -> Result<bool, Refusal> {
        let net = self.analysis.network_mut();
        let mut patch = net.patch();
        let fx = apply(&mut patch, e, &mut self.writes);
        let done = patch.finish();
        let fx = fx?;
        let mut t = Touched {
            groups: done.groups,
            ..Touched::default()
        };
        let net = self.analysis.network();
        for s in scored_sites(net, &fx) {
            t.scored.insert(s);
        }
        for &s in &t.scored {
            old_risks
                .entry(s)
                .or_insert(self.analysis.site_risks()[s as usize].p_fail);
            batch.scored_by.entry(s).or_default().push(e.id.clone());
        }
        self.analysis.refresh(&t);
        let reach = self.analysis.reaching_sites(&t);
        batch.reach.push((e.id.clone(), reach));
        batch.touched.extend(&t);
        Ok(fx.wrote)
    }

    /// A row or site appears or disappears: the changed tables are compiled again.
    fn structural(&mut self, e: &Event, batch: &mut Batch) -> Result<bool, Refusal> {
        let mut rows = Rows::from_tables(self.analysis.network().tables().clone());
        let saved = self.writes.clone();
        let fx = apply(&mut rows, e, &mut self.writes)?;
        if !fx.wrote {
            return Ok(false);
        }
        match Network::compile(&rows.into_tables()) {
            Ok(net) => {
                self.analysis = self.analysis.rebuilt(net);
                batch.structural.push(e.id.clone());
                Ok(true)
            }
            Err(err) => {
                self.writes = saved;
                Err(super::state::refuse("subject", &e.subject, err.to_string()))
            }
        }
    }
}

/// The sha256 of the tables in their binary form: what a state's events were applied to.
pub(crate) fn tables_hash(tables: &crate::model::Tables) -> String {
    let bytes = postcard::to_allocvec(tables).expect("in-memory tables always encode");
    crate::hash::sha256_hex(&bytes)
}

/// An order-free digest of a set of events: the sum, limb by limb modulo 2^64, of the
/// sha256 of each event's id and content.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct EventSum([u64; 4]);

impl EventSum {
    fn add(&mut self, id: &str, content: &str) {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(id.as_bytes());
        h.update([0]);
        h.update(content.as_bytes());
        let d = h.finalize();
        for (limb, chunk) in self.0.iter_mut().zip(d.chunks_exact(8)) {
            let v = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            *limb = limb.wrapping_add(v);
        }
    }
}

/// Applies a `site.down` or `site.up` to the active disruptions if it is the newest word on
/// its site; says whether it was.
pub(crate) fn record_down(
    writes: &mut Writes,
    down: &mut BTreeMap<String, Down>,
    e: &Event,
    known: impl Fn(&str) -> bool,
) -> Result<bool, Refusal> {
    let (Change::SiteDown { site, .. } | Change::SiteUp { site }) = &e.change else {
        unreachable!("called for site.down and site.up only")
    };
    if !known(site) {
        return Err(super::state::refuse("subject", site, "unknown site"));
    }
    let won = writes.take(format!("site|{site}|down"), &e.stamp());
    writes.commit();
    if !won {
        return Ok(false);
    }
    match &e.change {
        Change::SiteDown { ttr_days, .. } => {
            let d = Down {
                since: e.time,
                ttr_days: *ttr_days,
                event_id: e.id.clone(),
            };
            down.insert(site.clone(), d);
        }
        _ => {
            down.remove(site);
        }
    }
    Ok(true)
}

/// The sites whose risk inputs an applied change touched (through a company or country
/// signal, every site of it).
fn scored_sites(net: &Network, fx: &Effect) -> BTreeSet<u32> {
    let mut out: BTreeSet<u32> = fx.sites.iter().filter_map(|s| net.site_index(s)).collect();
    for (kind, id) in &fx.subjects {
        for s in 0..net.sites().len() as u32 {
            let hit = match kind {
                SubjectKind::Company => net.companies()[net.site_company(s) as usize] == *id,
                SubjectKind::Country => net.countries()[net.site_country(s) as usize] == *id,
                _ => false,
            };
            if hit {
                out.insert(s);
            }
        }
    }
    out
}

fn error(line: usize, field: &str, value: &str, reason: &str) -> EventError {
    EventError {
        line,
        field: field.to_string(),
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

impl Live {
    /// Re-runs what the batch can have moved and says what did.
    fn follow(&mut self, batch: &Batch, old_risks: &BTreeMap<u32, f64>) -> Vec<DeltaRow> {
        if !batch.structural.is_empty() {
            return self.follow_all(batch);
        }
        let mut delta = Vec::new();
        for (&s, &before) in old_risks {
            let after = self.analysis.site_risks()[s as usize].p_fail;
            let id = self.analysis.network().sites()[s as usize].site_id.clone();
            push(
                &mut delta,
                "site",
                id,
                "p_fail",
                Some(before),
                Some(after),
                || batch.scored_by[&s].clone(),
            );
        }
        let reach_all: BTreeSet<u32> = batch.reach.iter().flat_map(|r| r.1.clone()).collect();
        let mut kept = std::mem::take(&mut self.kept);
        for (e, cones) in kept.iter_mut().zip(&mut self.cones) {
            let idx = self.analysis.units_of_sites(e.kind, &reach_all);
            if idx.is_empty() {
                continue;
            }
            let max_pi = e.pi.iter().copied().fold(0.0, f64::max);
            let groups = &batch.touched.groups;
            let fresh = self
                .analysis
                .exposure_of_units(e.kind, idx.clone(), max_pi, cones, groups);
            // Each event's units once per kind: an event near the products can reach most
            // of a network, and looking its units up again for every moved unit was
            // quadratic in the reach.
            let reached: Vec<(&String, Vec<u32>)> = batch
                .reach
                .iter()
                .map(|(id, sites)| (id, self.analysis.units_of_sites(e.kind, sites)))
                .collect();
            let by = |u: u32| {
                reached
                    .iter()
                    .filter(|(_, units)| units.binary_search(&u).is_ok())
                    .map(|(id, _)| (*id).clone())
                    .collect()
            };
            delta.extend(merge(e, &idx, fresh, by));
        }
        self.kept = kept;
        delta
    }

    /// After a structural change: every kept result computed again, compared by id.
    fn follow_all(&mut self, batch: &Batch) -> Vec<DeltaRow> {
        let mut ids: Vec<String> = batch.structural.clone();
        ids.extend(batch.reach.iter().map(|r| r.0.clone()));
        ids.sort();
        ids.dedup();
        let mut delta = Vec::new();
        for k in 0..self.kept.len() {
            let kind = self.kept[k].kind;
            // The network was compiled again: node indexes moved, so no cone is kept over.
            let (fresh, cones) = self.analysis.exposure_keeping(kind);
            delta.extend(diff_by_id(&self.kept[k], &fresh, &ids));
            self.kept[k] = fresh;
            self.cones[k] = cones;
        }
        delta
    }

    /// Per products row, its availability under the active disruptions.
    fn row_availability(&self) -> Vec<(String, f64)> {
        if self.down.is_empty() {
            return Vec::new();
        }
        let d = Disruption::sites(self.down.keys().cloned());
        let labels = self.analysis.row_labels();
        let a = self
            .analysis
            .impact(&d, 0.0)
            .expect("active disruptions name known sites")
            .availability;
        labels.into_iter().zip(a).collect()
    }

    fn row_delta(&self, before: &[(String, f64)], batch: &Batch) -> Vec<DeltaRow> {
        let moved = !batch.down_changed.is_empty()
            || !batch.structural.is_empty()
            || !batch.touched.groups.is_empty();
        if !moved {
            return Vec::new();
        }
        let after = self.row_availability();
        let before: HashMap<&str, f64> = before.iter().map(|(l, a)| (l.as_str(), *a)).collect();
        let after_m: HashMap<&str, f64> = after.iter().map(|(l, a)| (l.as_str(), *a)).collect();
        let mut ids: Vec<String> = batch.down_changed.clone();
        ids.extend(batch.structural.iter().cloned());
        ids.extend(batch.reach.iter().map(|r| r.0.clone()));
        let mut labels: BTreeSet<&str> = before.keys().copied().collect();
        labels.extend(after_m.keys().copied());
        let mut out = Vec::new();
        for l in labels {
            // Without an active disruption every row is fully available.
            let b = before.get(l).copied().unwrap_or(1.0);
            let a = after_m.get(l).copied().unwrap_or(1.0);
            push(
                &mut out,
                "row",
                l.to_string(),
                "availability",
                Some(b),
                Some(a),
                || ids.clone(),
            );
        }
        out
    }
}

/// Adds a delta row when the value moved (NaN-safe: NaN to NaN did not move).
fn push(
    out: &mut Vec<DeltaRow>,
    kind: &'static str,
    id: String,
    metric: &'static str,
    before: Option<f64>,
    after: Option<f64>,
    by: impl FnOnce() -> Vec<String>,
) {
    let same = match (before, after) {
        (Some(a), Some(b)) => a == b || (a.is_nan() && b.is_nan()),
        (None, None) => true,
        _ => false,
    };
    if !same {
        out.push(DeltaRow {
            kind,
            id,
            metric,
            before,
            after,
            event_ids: by(),
        });
    }
}

/// The metrics of unit `i` of an exposure, by name.
fn metrics(e: &Exposure, i: usize) -> [(&'static str, f64); 5] {
    [
        ("pi", e.pi[i]),
        ("rei", e.rei[i]),
        ("min_tts", e.min_tts[i]),
        ("exposed", if e.exposed[i] { 1.0 } else { 0.0 }),
        ("ttr", e.ttr[i]),
    ]
}

/// Writes the fresh results of units `idx` into `kept` (matched by id: a country's unit index
/// skips countries without sites, its position does not), rescales REI if the largest PI
/// moved, and returns what changed.
fn merge(
    kept: &mut Exposure,
    idx: &[u32],
    fresh: Exposure,
    by: impl Fn(u32) -> Vec<String>,
) -> Vec<DeltaRow> {
    let kind = kept.kind.as_str();
    let old_max = kept.pi.iter().copied().fold(0.0, f64::max);
    let at: Vec<usize> = fresh
        .units
        .iter()
        .map(|id| kept.units.binary_search(id).expect("a kept unit"))
        .collect();
    let before: Vec<_> = at.iter().map(|&i| metrics(kept, i)).collect();
    for (j, &i) in at.iter().enumerate() {
        kept.pi[i] = fresh.pi[j];
        kept.min_tts[i] = fresh.min_tts[j];
        kept.exposed[i] = fresh.exposed[j];
        kept.ttr[i] = fresh.ttr[j];
        kept.rows[i] = fresh.rows[j].clone();
    }
    let max = kept.pi.iter().copied().fold(0.0, f64::max);
    let rei = |pi: f64| if max > 0.0 { pi / max } else { 0.0 };
    if max != old_max {
        kept.rei = kept.pi.iter().map(|&p| rei(p)).collect();
    } else {
        for &i in &at {
            kept.rei[i] = rei(kept.pi[i]);
        }
    }
    let mut out = Vec::new();
    for (j, &i) in at.iter().enumerate() {
        for ((m, b), (_, a)) in before[j].iter().zip(metrics(kept, i)) {
            let id = kept.units[i].clone();
            push(&mut out, kind, id, m, Some(*b), Some(a), || by(idx[j]));
        }
    }
    out
}

/// Every metric that differs between two exposures of one kind, matched by unit id.
fn diff_by_id(old: &Exposure, new: &Exposure, ids: &[String]) -> Vec<DeltaRow> {
    let kind = old.kind.as_str();
    let old_at: HashMap<&str, usize> = old
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.as_str(), i))
        .collect();
    let new_at: HashMap<&str, usize> = new
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.as_str(), i))
        .collect();
    let mut units: BTreeSet<&str> = old_at.keys().copied().collect();
    units.extend(new_at.keys().copied());
    let mut out = Vec::new();
    for u in units {
        let b = old_at.get(u).map(|&i| metrics(old, i));
        let a = new_at.get(u).map(|&i| metrics(new, i));
        for m in 0..5 {
            let name = b.or(a).expect("in one of them")[m].0;
            let (bv, av) = (b.map(|x| x[m].1), a.map(|x| x[m].1));
            push(&mut out, kind, u.to_string(), name, bv, av, || ids.to_vec());
        }
    }
    out
}

/// Per products row, where the active disruptions leave it.
#[derive(Debug, Clone, PartialEq)]
pub struct SituationRow {
    pub row: String,
    pub availability: f64,
    /// Days the row's stock (finished and upstream) lasts from the start of the disruption.
    pub tts_days: f64,
    /// TTS minus the days since the earliest active disruption began (negative: stopped).
    pub days_left: f64,
    /// The day supply stops, for a row with availability below 1.
    pub stops_on: Option<DateTime<Utc>>,
    /// Loss over the longest expected recovery of the active disruptions (DESIGN 3.2).
    pub projected_loss: f64,
}

/// The live situation at a moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Situation {
    pub now: DateTime<Utc>,
    pub down: Vec<(String, Down)>,
    /// Days to recover assumed for the projection (the longest of the active disruptions).
    pub ttr_days: f64,
    pub rows: Vec<SituationRow>,
}

impl Live {
    /// The products rows under the active disruptions at `now`.
    pub fn situation(&self, now: DateTime<Utc>) -> Situation {
        situation(&self.analysis, &self.down, now)
    }
}

impl Live {
    /// For an all-or-nothing batch: checks every event on a copy of the tables (the same
    /// gates, and one compile for the cycles of any rows it adds). `None` when the whole
    /// batch applies; else an outcome rejecting every event, naming the ones at fault.
    pub fn refuse_atomic(
        &self,
        events: &[(usize, Event)],
        received: DateTime<Utc>,
    ) -> Option<Outcome> {
        let mut rows = Rows::from_tables(self.analysis.network().tables().clone());
        let mut writes = self.writes.clone();
        let mut down = self.down.clone();
        let mut seen: HashMap<&str, &str> = HashMap::new();
        let mut faults: Vec<Option<EventError>> = Vec::with_capacity(events.len());
        let mut last_structural = None;
        for (i, (line, e)) in events.iter().enumerate() {
            let before = self.seen.get(&e.id).map(String::as_str);
            let fault = match before.or(seen.get(e.id.as_str()).copied()) {
                Some(c) if c == e.content => None,
                Some(_) => Some(error(
                    *line,
                    "id",
                    &e.id,
                    "this id was applied before with different content",
                )),
                None => {
                    seen.insert(&e.id, &e.content);
                    let r = match &e.change {
                        Change::SiteDown { site, .. } | Change::SiteUp { site } => {
                            let known = rows.site(site).is_some();
                            record_down(&mut writes, &mut down, e, |_| known).map(|_| ())
                        }
                        c => {
                            if c.is_structural(&mut rows) {
                                last_structural = Some(i);
                            }
                            apply(&mut rows, e, &mut writes).map(|_| ())
                        }
                    };
                    r.err().map(|r| error(*line, r.field, &r.value, &r.reason))
                }
            };
            faults.push(fault);
        }
        if faults.iter().all(Option::is_none)
            && let Some(i) = last_structural
            && let Err(err) = Network::compile(&rows.into_tables())
        {
            let (line, e) = &events[i];
            faults[i] = Some(error(*line, "subject", &e.subject, &err.to_string()));
        }
        let first = faults.iter().flatten().next()?.line;
        let events = events
            .iter()
            .zip(faults)
            .map(|((line, e), fault)| EventOutcome {
                line: *line,
                id: e.id.clone(),
                kind: e.kind.clone(),
                status: Status::Rejected(fault.unwrap_or_else(|| {
                    let why =
                        format!("not applied: the batch is atomic and line {first} was rejected");
                    error(*line, "", &e.id, &why)
                })),
                detect_s: (received - e.time).num_milliseconds() as f64 / 1000.0,
            })
            .collect();
        Some(Outcome {
            events,
            delta: Vec::new(),
            respond_s: 0.0,
        })
    }
}

/// The products rows of `analysis` under the disruptions `down`, at `now`.
pub fn situation(
    analysis: &Analysis,
    down: &BTreeMap<String, Down>,
    now: DateTime<Utc>,
) -> Situation {
    let net = analysis.network();
    let down: Vec<(String, Down)> = down.iter().map(|(s, d)| (s.clone(), d.clone())).collect();
    let default_ttr = analysis.policy().default_ttr_days;
    let ttr = |(s, d): &(String, Down)| {
        let site = net.site_index(s).map(|i| &net.sites()[i as usize]);
        d.ttr_days
            .or(site.and_then(|x| x.ttr_days))
            .unwrap_or(default_ttr)
    };
    let ttr_days = down.iter().map(ttr).fold(0.0, f64::max);
    let mut out = Situation {
        now,
        down: down.clone(),
        ttr_days,
        rows: Vec::new(),
    };
    let Some(since) = down.iter().map(|(_, d)| d.since).min() else {
        return out;
    };
    let elapsed = (now - since).num_seconds() as f64 / 86_400.0;
    let d = Disruption::sites(down.iter().map(|(s, _)| s.clone()));
    let imp = analysis
        .impact(&d, ttr_days)
        .expect("active disruptions name known sites");
    for (i, row) in analysis.row_labels().into_iter().enumerate() {
        let (a, tts) = (imp.availability[i], imp.tts[i]);
        let stops_on = (a < 1.0 - crate::model::EPS && tts.is_finite())
            .then(|| since + chrono::Duration::seconds((tts * 86_400.0) as i64));
        out.rows.push(SituationRow {
            row,
            availability: a,
            tts_days: tts,
            days_left: tts - elapsed,
            stops_on,
            projected_loss: imp.loss[i],
        });
    }
    out
}
