//! The governance part of a policy (DESIGN 4.2): `[[rules]]` whose conditions are CEL, the
//! `[[roles]]` that may approve, `[budgets]` and the `[thrash]` guard, and their check when the
//! policy loads: every expression is parsed, every name it reads is one of the documented
//! context (variables, fields, factors), and every call in it is dry-run on a sample context
//! of the documented types, so an ill-typed rule fails at load with its id and position.
//!
//! CEL cannot loop (its comprehensions run over finite lists), call out, or touch files.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use cel::common::ast::{EntryExpr, Expr, IdedExpr};
use cel::objects::Value;
use serde::{Deserialize, Serialize};

mod facts;

pub use facts::{
    BudgetFacts, EventFacts, Limit, ProposalFacts, RowFacts, RuleContext, UnitFacts, VARIABLES,
};
use facts::{fields_of, subfields_of};

/// What a rule or an agent may propose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Put the unit in front of a person (a pending decision, nothing committed).
    Escalate,
    /// Recommend the best mitigation proposal of the unit (3.5).
    ProposeMitigation,
    /// Add buffer days to the groups the unit sells into, sized to close TTR - TTS.
    RaiseSafetyStock,
    /// Make the site's supply rows unusable (committed as `supply.removed` events).
    BlockSupplier,
    /// Restore the supply rows a block removed (committed as `supply.added` events).
    UnblockSupplier,
    /// Record a notice; nothing changes.
    Notify,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Escalate,
        Action::ProposeMitigation,
        Action::RaiseSafetyStock,
        Action::BlockSupplier,
        Action::UnblockSupplier,
        Action::Notify,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Escalate => "escalate",
            Action::ProposeMitigation => "propose_mitigation",
            Action::RaiseSafetyStock => "raise_safety_stock",
            Action::BlockSupplier => "block_supplier",
            Action::UnblockSupplier => "unblock_supplier",
            Action::Notify => "notify",
        }
    }

    /// The action that undoes this one, for the thrash guard.
    pub fn inverse(self) -> Option<Action> {
        match self {
            Action::BlockSupplier => Some(Action::UnblockSupplier),
            Action::UnblockSupplier => Some(Action::BlockSupplier),
            _ => None,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
                format!("unknown action {s:?} (known: {})", known.join(", "))
            })
    }
}

/// One `[[rules]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    /// A CEL condition over the context of `govern::context`.
    pub when: String,
    pub action: Action,
    /// `auto`, or the role that must approve.
    pub approval: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// One `[[roles]]` entry: who may approve what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSpec {
    pub name: String,
    /// A CEL condition over the context: what this role may approve.
    pub may: String,
    /// Where a decision goes when this role does not answer within `deadline_hours`.
    #[serde(default)]
    pub next: Option<String>,
    pub deadline_hours: f64,
}

/// `[budgets]`: limits no automatic approval may cross (absent: no limit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Budgets {
    /// Portfolio revenue at risk (the sum of site PI) an unblock may leave.
    pub revenue_at_risk: Option<f64>,
    /// The expected loss of one products row an unblock may leave.
    pub product_revenue_at_risk: Option<f64>,
    /// Mitigation spend approved per period.
    pub mitigation_spend: Option<f64>,
    pub period_days: f64,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            revenue_at_risk: None,
            product_revenue_at_risk: None,
            mitigation_spend: None,
            period_days: 30.0,
        }
    }
}

/// `[thrash]`: when automatic actions on one subject stop being automatic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thrash {
    /// Flips (an action, then its inverse) allowed per subject within the window.
    pub max_flips: u32,
    pub window_days: f64,
    /// A rejected proposal is not proposed again for backoff_days, doubling each time.
    pub backoff_days: f64,
}

impl Default for Thrash {
    fn default() -> Self {
        Thrash {
            max_flips: 2,
            window_days: 7.0,
            backoff_days: 1.0,
        }
    }
}

/// The governance sections of a policy, as written.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Governance {
    pub rules: Vec<RuleSpec>,
    pub roles: Vec<RoleSpec>,
    pub budgets: Budgets,
    pub thrash: Thrash,
    /// What becomes of a decision whose last role does not answer in time: `reject`.
    pub on_deadline: String,
}

/// A compiled CEL condition.
pub struct Condition {
    pub text: String,
    program: cel::Program,
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Condition").field(&self.text).finish()
    }
}

impl Condition {
    /// Evaluates the condition; an error (a value the sample did not have) counts as false
    /// and is returned for the log.
    pub fn holds(&self, ctx: &cel::Context) -> Result<bool, String> {
        match self.program.execute(ctx) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(format!("evaluates to {other:?}, not a bool")),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// A rule ready to run.
#[derive(Debug)]
pub struct Rule {
    pub spec: RuleSpec,
    pub when: Condition,
}

/// A role ready to check approvals.
#[derive(Debug)]
pub struct Role {
    pub spec: RoleSpec,
    pub may: Condition,
}

/// Compiles and checks every rule and role; all problems at once, each naming the rule (or
/// role), the key and the position in the expression.
pub fn compile(
    g: &Governance,
    factors: &BTreeSet<String>,
) -> Result<(Vec<Rule>, Vec<Role>), Vec<String>> {
    let mut problems = Vec::new();
    let sample = RuleContext::sample(factors.iter().cloned());
    let ctx = sample.to_cel();
    let role_names: BTreeSet<&str> = g.roles.iter().map(|r| r.name.as_str()).collect();
    let mut ids = BTreeSet::new();
    let mut rules = Vec::new();
    for (i, r) in g.rules.iter().enumerate() {
        let at = format!("rules[{i}] (id {:?})", r.id);
        if r.id.trim().is_empty() || !ids.insert(r.id.as_str()) {
            problems.push(format!("{at}: id must be present and unique"));
        }
        if r.approval != "auto" && !role_names.contains(r.approval.as_str()) {
            problems.push(format!(
                "{at}: approval {:?} is neither \"auto\" nor a role of [[roles]]",
                r.approval
            ));
        }
        match check(&r.when, &format!("{at}.when"), factors, &ctx) {
            Ok(program) => rules.push(Rule {
                spec: r.clone(),
                when: Condition {
                    text: r.when.clone(),
                    program,
                },
            }),
            Err(p) => problems.extend(p),
        }
    }
    let mut roles = Vec::new();
    let mut names = BTreeSet::new();
    for (i, r) in g.roles.iter().enumerate() {
        let at = format!("roles[{i}] (name {:?})", r.name);
        if r.name.trim().is_empty() || r.name == "auto" || !names.insert(r.name.as_str()) {
            problems.push(format!(
                "{at}: name must be present, unique and not \"auto\""
            ));
        }
        if let Some(next) = &r.next
            && !role_names.contains(next.as_str())
        {
            problems.push(format!("{at}: next {next:?} is not a role of [[roles]]"));
        }
        if !r.deadline_hours.is_finite() || r.deadline_hours <= 0.0 {
            problems.push(format!(
                "{at}: deadline_hours = {}: expected a number > 0",
                r.deadline_hours
            ));
        }
        match check(&r.may, &format!("{at}.may"), factors, &ctx) {
            Ok(program) => roles.push(Role {
                spec: r.clone(),
                may: Condition {
                    text: r.may.clone(),
                    program,
                },
            }),
            Err(p) => problems.extend(p),
        }
    }
    check_ladder(g, &mut problems);
    if problems.is_empty() {
        Ok((rules, roles))
    } else {
        Err(problems)
    }
}

/// Budgets, the thrash guard, the deadline default and escalation ladders without cycles.
fn check_ladder(g: &Governance, problems: &mut Vec<String>) {
    let b = &g.budgets;
    for (name, v) in [
        ("budgets.revenue_at_risk", b.revenue_at_risk),
        ("budgets.product_revenue_at_risk", b.product_revenue_at_risk),
        ("budgets.mitigation_spend", b.mitigation_spend),
    ] {
        if let Some(v) = v
            && (!v.is_finite() || v < 0.0)
        {
            problems.push(format!("{name} = {v}: expected a number >= 0"));
        }
    }
    for (name, v) in [
        ("budgets.period_days", b.period_days),
        ("thrash.window_days", g.thrash.window_days),
        ("thrash.backoff_days", g.thrash.backoff_days),
    ] {
        if !v.is_finite() || v <= 0.0 {
            problems.push(format!("{name} = {v}: expected a number > 0"));
        }
    }
    if !matches!(g.on_deadline.as_str(), "reject" | "approve") {
        problems.push(format!(
            "on_deadline = {:?}: expected \"reject\" or \"approve\"",
            g.on_deadline
        ));
    }
    for r in &g.roles {
        let mut seen = BTreeSet::from([r.name.as_str()]);
        let mut at = r;
        while let Some(next) = &at.next {
            let Some(n) = g.roles.iter().find(|x| &x.name == next) else {
                break;
            };
            if !seen.insert(n.name.as_str()) {
                problems.push(format!(
                    "roles (name {:?}): the `next` ladder loops back to {:?}",
                    r.name, n.name
                ));
                break;
            }
            at = n;
        }
    }
}

/// Parses one expression, checks the names it reads and dry-runs every call in it.
fn check(
    text: &str,
    at: &str,
    factors: &BTreeSet<String>,
    ctx: &cel::Context,
) -> Result<cel::Program, Vec<String>> {
    let program = cel::Program::compile(text).map_err(|errors| {
        errors
            .errors
            .iter()
            .map(|e| format!("{at}: line {}, column {}: {}", e.pos.0, e.pos.1, e.msg))
            .collect::<Vec<_>>()
    })?;
    let info = program.source_info();
    let pos = |id: u64| -> String {
        match info.offset_for(id) {
            Some((start, _)) => {
                let (line, col) = line_col(text, start as usize);
                format!("line {line}, column {col}")
            }
            None => "position unknown".into(),
        }
    };
    let mut problems = Vec::new();
    let mut walker = Walker {
        factors,
        ctx,
        bound: Vec::new(),
        found: Vec::new(),
    };
    walker.walk(program.expression());
    for (id, what) in walker.found {
        problems.push(format!("{at}: {}: {what}", pos(id)));
    }
    if problems.is_empty() {
        match program.execute(ctx) {
            Ok(Value::Bool(_)) => {}
            Ok(other) => problems.push(format!(
                "{at}: the condition gives {}, not a bool",
                type_name(&other)
            )),
            Err(e) => problems.push(format!("{at}: {e}")),
        }
    }
    if problems.is_empty() {
        Ok(program)
    } else {
        Err(problems)
    }
}

/// Walks an expression: names that are not in the context, and calls that fail on the
/// sample context (the innermost failing call is named; its parents are not).
struct Walker<'a> {
    factors: &'a BTreeSet<String>,
    ctx: &'a cel::Context<'a, 'a>,
    /// Variables bound by enclosing comprehensions.
    bound: Vec<String>,
    found: Vec<(u64, String)>,
}

impl Walker<'_> {
    /// Returns whether the subtree is free of problems.
    fn walk(&mut self, e: &IdedExpr) -> bool {
        match &e.expr {
            Expr::Ident(name) => self.ident(e.id, name),
            Expr::Select(s) => {
                if let Some(segments) = select_path(e) {
                    return self.path(e.id, &segments);
                }
                self.walk(&s.operand)
            }
            Expr::Call(c) => {
                let mut ok = true;
                if let Some(t) = &c.target {
                    ok &= self.walk(t);
                }
                for a in &c.args {
                    ok &= self.walk(a);
                }
                if ok && self.bound.is_empty() {
                    ok = self.dry_run(e, &c.func_name);
                }
                ok
            }
            Expr::Comprehension(c) => {
                let mut ok = self.walk(&c.iter_range) && self.walk(&c.accu_init);
                self.bound.push(c.iter_var.clone());
                if let Some(v) = &c.iter_var2 {
                    self.bound.push(v.clone());
                }
                self.bound.push(c.accu_var.clone());
                ok &= self.walk(&c.loop_cond) && self.walk(&c.loop_step) && self.walk(&c.result);
                self.bound
                    .truncate(self.bound.len() - 2 - usize::from(c.iter_var2.is_some()));
                ok
            }
            // Every element is walked (no short circuit), so all problems are found.
            Expr::List(l) => l
                .elements
                .iter()
                .map(|x| self.walk(x))
                .collect::<Vec<_>>()
                .into_iter()
                .all(|ok| ok),
            Expr::Map(m) => m.entries.iter().fold(true, |ok, x| {
                let inner = match &x.expr {
                    EntryExpr::MapEntry(me) => self.walk(&me.key) && self.walk(&me.value),
                    EntryExpr::StructField(f) => self.walk(&f.value),
                };
                inner && ok
            }),
            Expr::Struct(_) => {
                self.found
                    .push((e.id, "message construction is not available".into()));
                false
            }
            Expr::Literal(_) | Expr::Unspecified => true,
        }
    }

    fn ident(&mut self, id: u64, name: &str) -> bool {
        if VARIABLES.contains(&name) || self.bound.iter().any(|b| b == name) {
            return true;
        }
        self.found.push((
            id,
            format!(
                "unknown variable `{name}` (the context has {})",
                VARIABLES.join(", ")
            ),
        ));
        false
    }

    /// `var.field[.sub]`: every segment must exist in the documented context.
    fn path(&mut self, id: u64, segments: &[&str]) -> bool {
        let root = segments[0];
        if self.bound.iter().any(|b| b == root) {
            return true;
        }
        if !self.ident(id, root) {
            return false;
        }
        let fields = fields_of(root).unwrap_or_default();
        let field = segments[1];
        if !fields.iter().any(|f| f == field) {
            self.found.push((
                id,
                format!(
                    "`{root}` has no field `{field}` (it has {})",
                    fields.join(", ")
                ),
            ));
            return false;
        }
        let Some(sub) = segments.get(2) else {
            return true;
        };
        if root == "unit" && field == "factors" {
            if self.factors.contains(*sub) {
                return true;
            }
            let known: Vec<&str> = self.factors.iter().map(String::as_str).collect();
            self.found.push((
                id,
                format!(
                    "no factor `{sub}` in the policy's [weights] (known: {})",
                    known.join(", ")
                ),
            ));
            return false;
        }
        match subfields_of(root, field) {
            Some(subs) if subs.iter().any(|s| s == sub) => true,
            Some(subs) => {
                self.found.push((
                    id,
                    format!(
                        "`{root}.{field}` has no field `{sub}` (it has {})",
                        subs.join(", ")
                    ),
                ));
                false
            }
            None => {
                self.found
                    .push((id, format!("`{root}.{field}` is a value, not a map")));
                false
            }
        }
    }

    fn dry_run(&mut self, e: &IdedExpr, func: &str) -> bool {
        match Value::resolve(e, self.ctx) {
            Ok(_) => true,
            Err(err) => {
                let name = func.trim_matches('_').trim_start_matches('@');
                self.found.push((e.id, format!("`{name}`: {err}")));
                false
            }
        }
    }
}

/// `a.b.c` as `["a", "b", "c"]` when the expression is a plain selection path.
fn select_path(e: &IdedExpr) -> Option<Vec<&str>> {
    let mut segments = Vec::new();
    let mut at = e;
    loop {
        match &at.expr {
            Expr::Select(s) if !s.test => {
                segments.push(s.field.as_str());
                at = &s.operand;
            }
            Expr::Ident(name) => {
                segments.push(name.as_str());
                segments.reverse();
                return Some(segments);
            }
            _ => return None,
        }
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.chars().rev().take_while(|&c| c != '\n').count() + 1;
    (line, col)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Int(_) => "an int",
        Value::UInt(_) => "a uint",
        Value::Float(_) => "a double",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Map(_) => "a map",
        Value::Null => "null",
        _ => "a value",
    }
}
