"""Eight Python threads querying and analysing one knowledge graph at once give the answers
of one thread."""

from concurrent.futures import ThreadPoolExecutor

AS_OF = "2026-07-01T00:00:00Z"
Q = "PREFIX tw: <https://w3id.org/tierwise/ns#> SELECT ?s ?c WHERE { ?s a tw:Site ; tw:country/tw:id ?c } ORDER BY ?s"


def work(kg):
    q = kg.query(Q)
    net = kg.network(as_of=AS_OF)
    e = net.exposure(unit="site", progress=None)
    s = net.simulate(n=500, seed=11, progress=None).summary()
    return q, e, s


def test_eight_threads_agree_with_one(demo_kg):
    one = work(demo_kg)
    with ThreadPoolExecutor(max_workers=8) as pool:
        many = list(pool.map(lambda _: work(demo_kg), range(8)))
    for q, e, s in many:
        assert q.equals(one[0]) and e.equals(one[1]) and s.equals(one[2])
