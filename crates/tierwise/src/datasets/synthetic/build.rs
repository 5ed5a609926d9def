//! `Net::build`: the network drawn step by step, one method per step. Every step draws from
//! the one random stream, so the order of the steps (and of the draws within a step) is part of
//! the output: reordering them changes every data set.

use super::Net;
use super::draw::{Draw, csr};
use super::net::Role;
use super::reference::{COUNTRIES, HUB_COUNTRIES, PLANT_COUNTRIES, RAW_MATERIALS, country_index};
use super::shape::Shape;

impl Net {
    pub(super) fn build(shape: &Shape, r: &mut Draw) -> Net {
        let mut net = Net::layout(shape);
        net.assign_parts(shape, r);
        let sellers = net.sellers_by_part();
        net.draw_bom(shape, r);
        net.place_sites(r);
        let groups_of_part = net.supply_groups(r);
        let diamond = net.diamond(&sellers);
        net.choose_sellers(r, &sellers, &groups_of_part, &diamond);
        net.split_shares(r);
        net
    }

    /// Numbers sites and parts level by level: where each level's sites (manufacturers first,
    /// then distributors) and parts start.
    fn layout(shape: &Shape) -> Net {
        let depth = shape.depth;
        let mut lv_start = vec![0usize; depth + 2];
        let mut mk_end = vec![0usize; depth + 1];
        for k in 0..=depth {
            mk_end[k] = lv_start[k] + shape.makers[k];
            lv_start[k + 1] = mk_end[k] + shape.dists[k];
        }
        let n_sites = lv_start[depth + 1];
        let mut site_level = vec![0u8; n_sites];
        let mut site_dist = vec![false; n_sites];
        for k in 0..=depth {
            site_level[lv_start[k]..lv_start[k + 1]].fill(k as u8);
            site_dist[mk_end[k]..lv_start[k + 1]].fill(true);
        }
        let mut part_start = vec![0usize; depth + 2];
        for k in 0..=depth {
            part_start[k + 1] = part_start[k] + shape.parts[k];
        }
        let mut part_level = vec![0u8; part_start[depth + 1]];
        for k in 0..=depth {
            part_level[part_start[k]..part_start[k + 1]].fill(k as u8);
        }
        Net {
            depth,
            plants: shape.makers[0],
            lv_start,
            mk_end,
            site_level,
            site_dist,
            part_start,
            part_level,
            kinds: (0..=depth).map(|k| shape.kind(k)).collect(),
            ..Net::default()
        }
    }

    /// Who makes what: the nodes.
    fn assign_parts(&mut self, shape: &Shape, r: &mut Draw) {
        let n_sites = self.n_sites();
        let mut pairs: Vec<(usize, usize)> = Vec::with_capacity(n_sites * 2);
        self.plant_products(shape.parts[0], r, &mut pairs);
        for k in 1..=self.depth {
            self.level_parts(k, shape, r, &mut pairs);
        }
        pairs.sort_unstable();
        pairs.dedup();
        (self.site_off, self.site_part) = csr(n_sites, pairs.iter().copied());
    }

    /// Every product at one plant in turn, some at a second one.
    fn plant_products(&self, products: usize, r: &mut Draw, pairs: &mut Vec<(usize, usize)>) {
        let plants = self.plants;
        for p in 0..products {
            let plant = p % plants;
            pairs.push((plant, p));
            if r.chance(0.3) {
                let mut other = r.below(plants - 1);
                if other >= plant {
                    other += 1;
                }
                pairs.push((other, p));
            }
        }
    }

    /// The parts of level `k` its sites make or carry. The first parts of a level go one to a
    /// site so that every part has a maker; the rest is skewed towards popular parts.
    fn level_parts(&self, k: usize, shape: &Shape, r: &mut Draw, pairs: &mut Vec<(usize, usize)>) {
        let (np, base) = (shape.parts[k], self.part_start[k]);
        for i in 0..shape.makers[k] {
            let s = self.lv_start[k] + i;
            let first = if i < np { i } else { r.skewed(np) };
            pairs.push((s, base + first));
            let u = r.unit();
            let extra = if k == self.depth {
                usize::from(u < 0.15)
            } else if u < 0.6 {
                0
            } else if u < 0.88 {
                1
            } else {
                2
            };
            for _ in 0..extra {
                pairs.push((s, base + r.skewed(np)));
            }
        }
        // A second maker of each level's first part: the built-in diamond needs two tier-1
        // makers of one assembly.
        pairs.push((self.lv_start[k] + 1, base));
        for s in self.mk_end[k]..self.lv_start[k + 1] {
            for _ in 0..r.int(1, np.min(4) as u64) {
                pairs.push((s, base + r.skewed(np)));
            }
        }
    }

    fn sellers_by_part(&self) -> Sellers {
        let n_parts = self.part_level.len();
        let of = |dist: bool| {
            csr(
                n_parts,
                (0..self.n_sites())
                    .filter(move |&s| self.site_dist[s] == dist)
                    .flat_map(move |s| self.site_part[self.nodes(s)].iter().map(move |&p| (p, s))),
            )
        };
        let (maker_off, maker_site) = of(false);
        let (dist_off, dist_site) = of(true);
        Sellers {
            maker_off,
            maker_site,
            dist_off,
            dist_site,
        }
    }

    /// The number of nodes of level `k`'s manufacturers (`dist` false) or distributors.
    fn nodes_at(&self, k: usize, dist: bool) -> usize {
        (self.lv_start[k]..self.lv_start[k + 1])
            .filter(|&s| self.site_dist[s] == dist)
            .map(|s| self.nodes(s).len())
            .sum()
    }

    /// The bill of materials, one level at a time, and its quantities.
    fn draw_bom(&mut self, shape: &Shape, r: &mut Draw) {
        let mut lines: Vec<(usize, usize)> = Vec::new();
        let mut picked: Vec<usize> = Vec::new();
        for k in 1..=self.depth {
            self.bom_level(k, shape, r, &mut lines, &mut picked);
        }
        lines.sort_unstable();
        self.bom_qty = lines.iter().map(|&(_, c)| self.draw_qty(c, r)).collect();
        (self.bom_off, self.bom_child) = csr(self.part_level.len(), lines.iter().copied());
    }

    /// The BOM lines from level `k - 1` to level `k`. Children per parent are sized so that the
    /// buyers' groups roughly match the makers one level down (each seller then serves one or
    /// two groups); every child gets at least one parent.
    fn bom_level(
        &self,
        k: usize,
        shape: &Shape,
        r: &mut Draw,
        lines: &mut Vec<(usize, usize)>,
        picked: &mut Vec<usize>,
    ) {
        let (parents, children) = (shape.parts[k - 1], shape.parts[k]);
        let (pbase, cbase) = (self.part_start[k - 1], self.part_start[k]);
        let c_avg = if k == self.depth {
            1.5
        } else {
            let sellers = (self.nodes_at(k, false) + self.nodes_at(k, true)) as f64;
            (0.9 * sellers / self.nodes_at(k - 1, false) as f64)
                .max(1.3 * children as f64 / parents as f64)
                .max(1.0)
        };
        let min_children = if k == 1 { 2 } else { 1 };
        for j in 0..children {
            lines.push((pbase + j % parents, cbase + j));
        }
        for p in 0..parents {
            let target =
                ((c_avg * r.real(0.6, 1.4)).round() as usize).clamp(min_children, children);
            let covered = if p < children {
                (children - 1 - p) / parents + 1
            } else {
                0
            };
            picked.clear();
            let mut attempts = 4 * target + 8;
            while covered + picked.len() < target && attempts > 0 {
                attempts -= 1;
                let c = r.skewed(children);
                if c % parents != p && !picked.contains(&c) {
                    picked.push(c);
                }
            }
            lines.extend(picked.iter().map(|&c| (pbase + p, cbase + c)));
        }
    }

    /// Quantity of a BOM line to `child`: small integers, sometimes halves; raw materials in
    /// fractional kilograms.
    fn draw_qty(&self, child: usize, r: &mut Draw) -> f64 {
        if self.part_level[child] as usize == self.depth {
            r.int(5, 400) as f64 / 100.0
        } else if r.chance(0.05) {
            *r.pick(&[0.5, 1.5, 2.5])
        } else {
            *r.pick(&[1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 4.0])
        }
    }

    /// Countries and companies of the sites; some sites join an earlier company of their role.
    fn place_sites(&mut self, r: &mut Draw) {
        let pools = CountryPools::draw(self.plants, r);
        let n_sites = self.n_sites();
        self.site_country = vec![0; n_sites];
        self.site_company = vec![0; n_sites];
        self.companies = vec![(Role::Plant, pools.plants[0])];
        let mut by_role: [Vec<usize>; 5] = Default::default();
        for s in 0..n_sites {
            let role = self.role(s);
            let country = self.draw_country(s, role, &pools, r);
            self.site_country[s] = country;
            if role == Role::Plant {
                continue;
            }
            let pool = &mut by_role[role as usize];
            self.site_company[s] = if !pool.is_empty() && r.chance(0.3) {
                *r.pick(pool)
            } else {
                self.companies.push((role, country));
                pool.push(self.companies.len() - 1);
                self.companies.len() - 1
            };
        }
    }

    /// Plants sit in their own countries, distributors in trade hubs, mines in a producing
    /// country of their material (mostly the leading one), manufacturers by manufacturing
    /// weight, tier 1 often near the plants.
    fn draw_country(&self, s: usize, role: Role, pools: &CountryPools, r: &mut Draw) -> usize {
        match role {
            Role::Plant => pools.plants[s],
            Role::Distributor => *r.pick(&pools.hubs),
            Role::Mine => {
                let raw = self.site_part[self.site_off[s]] - self.part_start[self.depth];
                let pool = &pools.raw[raw % RAW_MATERIALS.len()];
                if r.chance(0.55) {
                    pool[0]
                } else {
                    *r.pick(pool)
                }
            }
            Role::Assembly | Role::Component => {
                if self.site_level[s] == 1 && r.chance(0.4) {
                    *r.pick(&pools.plants)
                } else {
                    let t = r.int(0, pools.mfg_total - 1);
                    pools.mfg_cum.partition_point(|&c| c <= t)
                }
            }
        }
    }

    /// The supply groups, indexed by buyer; returns their index by part (offsets, groups).
    fn supply_groups(&mut self, r: &mut Draw) -> (Vec<usize>, Vec<usize>) {
        let mut groups = self.needs();
        self.drop_visibility_gaps(&mut groups, r);
        (self.group_off, _) = csr(
            self.n_sites(),
            groups.iter().enumerate().map(|(g, &(b, _))| (b, g)),
        );
        let by_part = csr(
            self.part_level.len(),
            groups.iter().enumerate().map(|(g, &(_, p))| (p, g)),
        );
        self.groups = groups;
        by_part
    }

    /// Every (buyer, part) need, sorted: a manufacturer needs every BOM child of every part it
    /// makes; a distributor needs the parts it carries.
    fn needs(&self) -> Vec<(usize, usize)> {
        let n_sites = self.n_sites();
        let mut groups: Vec<(usize, usize)> = Vec::with_capacity(n_sites * 3);
        let mut scratch: Vec<usize> = Vec::new();
        for s in 0..n_sites {
            let nodes = &self.site_part[self.nodes(s)];
            if self.site_dist[s] {
                groups.extend(nodes.iter().map(|&p| (s, p)));
            } else if (self.site_level[s] as usize) < self.depth {
                scratch.clear();
                for &p in nodes {
                    scratch
                        .extend_from_slice(&self.bom_child[self.bom_off[p]..self.bom_off[p + 1]]);
                }
                scratch.sort_unstable();
                scratch.dedup();
                groups.extend(scratch.iter().map(|&c| (s, c)));
            }
        }
        groups
    }

    /// Visibility gaps at the deepest tier only, never the last buyer of a raw material.
    fn drop_visibility_gaps(&self, groups: &mut Vec<(usize, usize)>, r: &mut Draw) {
        let mut buyers_of = vec![0usize; self.part_level.len()];
        for &(b, p) in groups.iter() {
            if !self.site_dist[b] {
                buyers_of[p] += 1;
            }
        }
        groups.retain(|&(b, p)| {
            let gap = !self.site_dist[b]
                && self.part_level[p] as usize == self.depth
                && buyers_of[p] > 1
                && r.chance(0.02);
            if gap {
                buyers_of[p] -= 1;
            }
            !gap
        });
    }

    /// The built-in diamond: the two first makers of tier 1's first assembly both buy its
    /// first child from that child's first maker.
    fn diamond(&self, sellers: &Sellers) -> Diamond {
        let a0 = self.part_start[1];
        let makers = sellers.makers(a0);
        let x = self.bom_child[self.bom_off[a0]];
        Diamond {
            groups: [self.group_of(makers[0], x), self.group_of(makers[1], x)],
            seller: sellers.makers(x)[0],
        }
    }

    /// The supply rows of every group.
    fn choose_sellers(
        &mut self,
        r: &mut Draw,
        sellers: &Sellers,
        (gpart_off, gpart): &(Vec<usize>, Vec<usize>),
        diamond: &Diamond,
    ) {
        let mut choice = SellerChoice {
            net: self,
            sellers,
            diamond,
            rows: Vec::with_capacity(self.groups.len() * 2),
            direct: Vec::new(),
            via: Vec::new(),
            cand: Vec::new(),
            chosen: Vec::new(),
        };
        for p in 0..self.part_level.len() {
            choice.part(p, &gpart[gpart_off[p]..gpart_off[p + 1]], r);
        }
        let mut rows = choice.rows;
        rows.sort_by_key(|&(g, _)| g);
        (self.row_off, self.row_seller) = csr(self.groups.len(), rows.iter().copied());
    }

    /// Shares in thousandths (finer for the rare huge group), summing to exactly the group's
    /// total; the first seller is usually the main one.
    fn split_shares(&mut self, r: &mut Draw) {
        self.row_share = vec![0.0; self.row_seller.len()];
        self.row_max = vec![None; self.row_seller.len()];
        let mut weights: Vec<f64> = Vec::new();
        let mut units: Vec<u64> = Vec::new();
        for g in 0..self.groups.len() {
            let range = self.row_off[g]..self.row_off[g + 1];
            let n = range.len() as u64;
            let scale: u64 = if n <= 100 { 1000 } else { 1_000_000 };
            let total = if r.chance(0.05) {
                r.int(scale * 6 / 10, scale * 95 / 100)
            } else {
                scale
            };
            share_units(r, n, total, &mut weights, &mut units);
            for (row, &u) in range.zip(&units) {
                self.row_share[row] = u as f64 / scale as f64;
                self.row_max[row] = max_share(r, u, n == 1 && total == scale, scale);
            }
        }
    }
}

/// `total` split into `n` units of at least 1 each, by drawn weights that favour the first.
fn share_units(r: &mut Draw, n: u64, total: u64, weights: &mut Vec<f64>, units: &mut Vec<u64>) {
    weights.clear();
    for i in 0..n {
        weights.push(r.real(0.3, 1.3) + if i == 0 { 1.0 } else { 0.0 });
    }
    let wsum: f64 = weights.iter().sum();
    let spare = total - n;
    units.clear();
    units.extend(weights.iter().map(|w| 1 + (spare as f64 * w / wsum) as u64));
    let given: u64 = units.iter().sum();
    units[0] += total - given;
}

/// The max_share of a row of `units` (out of `scale`): sometimes not given, 1 for a sole
/// seller of a fully mapped group, else the share plus some headroom.
fn max_share(r: &mut Draw, units: u64, sole: bool, scale: u64) -> Option<f64> {
    if r.chance(0.03) {
        None
    } else if sole {
        Some(1.0)
    } else {
        let head = if r.chance(0.25) {
            0
        } else {
            r.int(scale / 20, scale / 2)
        };
        Some((units + head).min(scale) as f64 / scale as f64)
    }
}

/// Part -> the sites that make it and the distributors that carry it.
struct Sellers {
    maker_off: Vec<usize>,
    maker_site: Vec<usize>,
    dist_off: Vec<usize>,
    dist_site: Vec<usize>,
}

impl Sellers {
    fn makers(&self, p: usize) -> &[usize] {
        &self.maker_site[self.maker_off[p]..self.maker_off[p + 1]]
    }

    fn distributors(&self, p: usize) -> &[usize] {
        &self.dist_site[self.dist_off[p]..self.dist_off[p + 1]]
    }
}

/// The two groups of the built-in diamond and the seller they share.
struct Diamond {
    groups: [Option<usize>; 2],
    seller: usize,
}

/// The countries each kind of site is drawn from.
struct CountryPools {
    /// One country per plant, all different.
    plants: Vec<usize>,
    hubs: Vec<usize>,
    /// Raw material -> its producing countries, leading producer first.
    raw: Vec<Vec<usize>>,
    /// Running sum of the countries' manufacturing weights, and its total.
    mfg_cum: Vec<u64>,
    mfg_total: u64,
}

impl CountryPools {
    fn draw(plants: usize, r: &mut Draw) -> CountryPools {
        let mut plant_countries: Vec<usize> =
            PLANT_COUNTRIES.iter().map(|c| country_index(c)).collect();
        for i in 0..plants {
            let j = i + r.below(plant_countries.len() - i);
            plant_countries.swap(i, j);
        }
        plant_countries.truncate(plants);
        let mut mfg_cum = Vec::with_capacity(COUNTRIES.len());
        let mut acc = 0u64;
        for c in &COUNTRIES {
            acc += u64::from(c.5);
            mfg_cum.push(acc);
        }
        CountryPools {
            plants: plant_countries,
            hubs: HUB_COUNTRIES.iter().map(|c| country_index(c)).collect(),
            raw: RAW_MATERIALS
                .iter()
                .map(|(_, cs)| cs.iter().map(|c| country_index(c)).collect())
                .collect(),
            mfg_cum,
            mfg_total: acc,
        }
    }
}

/// The choice of sellers, part by part, with its buffers.
struct SellerChoice<'a> {
    net: &'a Net,
    sellers: &'a Sellers,
    diamond: &'a Diamond,
    /// (group, seller) rows chosen so far.
    rows: Vec<(usize, usize)>,
    direct: Vec<usize>,
    via: Vec<usize>,
    cand: Vec<usize>,
    chosen: Vec<usize>,
}

impl SellerChoice<'_> {
    /// The sellers of part `p`'s groups `gs`. Distributors buy from manufacturers only.
    fn part(&mut self, p: usize, gs: &[usize], r: &mut Draw) {
        if gs.is_empty() {
            return;
        }
        self.direct.clear();
        self.via.clear();
        for &g in gs {
            if self.net.site_dist[self.net.groups[g].0] {
                self.via.push(g);
            } else {
                self.direct.push(g);
            }
        }
        let sellers = self.sellers;
        let makers = sellers.makers(p);
        self.cand.clear();
        self.cand.extend_from_slice(makers);
        self.cand.extend_from_slice(sellers.distributors(p));
        if !self.direct.is_empty() {
            self.direct_sellers(r);
        }
        for &g in &self.via {
            self.chosen.clear();
            let want = sellers_wanted(r).min(makers.len());
            fill(r, &mut self.chosen, makers, want);
            self.rows.extend(self.chosen.iter().map(|&s| (g, s)));
        }
    }

    /// Sellers of the manufacturers' groups of one part. The groups walk the candidates
    /// together so that every maker and distributor of the part gets at least one buyer (that
    /// is what makes tier = level); further sellers favour the big suppliers.
    fn direct_sellers(&mut self, r: &mut Draw) {
        let (nd, nc) = (self.direct.len(), self.cand.len());
        let offset = r.below(nc);
        let walk = nd.max(nc);
        for (i, &g) in self.direct.iter().enumerate() {
            self.chosen.clear();
            let mut t = i;
            while t < walk {
                self.chosen.push(self.cand[(t + offset) % nc]);
                t += nd;
            }
            let want = sellers_wanted(r).min(nc);
            fill(r, &mut self.chosen, &self.cand, want);
            let seller = self.diamond.seller;
            if self.diamond.groups.contains(&Some(g)) && !self.chosen.contains(&seller) {
                self.chosen.push(seller);
            }
            self.rows.extend(self.chosen.iter().map(|&s| (g, s)));
        }
    }
}

/// How many sellers a group wants: about half are single-sourced.
fn sellers_wanted(r: &mut Draw) -> usize {
    let u = r.unit();
    if u < 0.45 {
        1
    } else if u < 0.8 {
        2
    } else {
        3
    }
}

/// Adds sellers drawn from `from` (favouring its first) to `chosen` until it has `want`, with a
/// bounded number of attempts.
fn fill(r: &mut Draw, chosen: &mut Vec<usize>, from: &[usize], want: usize) {
    let mut attempts = 4 * want + 4;
    while chosen.len() < want && attempts > 0 {
        attempts -= 1;
        let s = from[r.skewed(from.len())];
        if !chosen.contains(&s) {
            chosen.push(s);
        }
    }
}
