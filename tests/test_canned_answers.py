"""Every canned query answers the seed's questions exactly.

Each query in ``queries/`` runs through ``orchkg.canned`` (bound as a request would bind it)
against the shipped graph, and its answer is compared, row by row and in order, with what
the seed says (``docs/seed/000_3d1b91035a974fec.txt``, whose line numbers the graph cites).
Korean answers (``lang=ko``) are checked against the seed's own lines: the texts the graph
keeps verbatim must be found, character for character, on the seed lines the answer cites.
"""

# ruff: noqa: E501 -- the expected answers are tables, one row of the answer per line

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
import pytest

from orchkg.canned import Catalogue, load_catalogue, run_canned
from orchkg.namespaces import compact
from orchkg.settings import Settings
from orchkg.store import Store

REPO = Path(__file__).resolve().parents[1]
SEED = (REPO / "docs" / "seed" / "000_3d1b91035a974fec.txt").read_text(encoding="utf-8")
SEED_LINES = SEED.splitlines()
HANGUL = re.compile(r"[\uac00-\ud7a3]")

Row = tuple[str, ...]


def seed(line: int) -> str:
    """Seed line ``line`` (1-based) without its bullet marks: what a bullet says."""
    return SEED_LINES[line - 1].lstrip("*").strip()


def after_colon(line: int) -> str:
    """What a ``* Name: text`` line of the seed says about its name."""
    return seed(line).split(": ", 1)[1]


class Answer:
    """A canned query's answer: its columns and its rows, each value as a compact string
    (``kg:etcd``, ``okg:BuiltIn``, a full IRI where no prefix fits, a literal's text, ``""``
    where unbound)."""

    def __init__(self, columns: list[str], rows: list[Row]) -> None:
        self.columns = columns
        self.rows = rows

    def pick(self, *names: str) -> list[Row]:
        """The rows restricted to some columns, in order."""
        at = [self.columns.index(name) for name in names]
        return [tuple(row[i] for i in at) for row in self.rows]

    def without(self, *names: str) -> list[Row]:
        """The rows without some columns (the long English renderings), in order."""
        return self.pick(*(name for name in self.columns if name not in names))


class Ask(Protocol):
    """``ask(name, lang, param=value, list_param=[values])``: a canned query's answer."""

    def __call__(self, name: str, lang: str = "en", **params: str | Sequence[str]) -> Answer: ...


@pytest.fixture(scope="module")
def catalogue(shipped_settings: Settings) -> Catalogue:
    return load_catalogue(shipped_settings)


@pytest.fixture(scope="module")
def store(shipped_store: Store) -> Store:
    """The shipped content, in a store set up as the service sets it up (predeclared
    prefixes, the service's base IRI), on each backend: tests using it must not write."""
    return shipped_store


@pytest.fixture(scope="module")
def ask(catalogue: Catalogue, store: Store) -> Ask:
    """Run a canned query as a request would: ``ask(name, lang, param=value or [values])``."""
    known = store.prefixes

    def text(term: object) -> str:
        if term is None:
            return ""
        if isinstance(term, ox.NamedNode):
            short = compact(term.value, known)
            return term.value if short.startswith("<") else short
        assert isinstance(term, ox.Literal)
        return term.value

    def run(name: str, lang: str = "en", **params: str | Sequence[str]) -> Answer:
        raw = {
            key: [value] if isinstance(value, str) else list(value) for key, value in params.items()
        }
        bound = catalogue.bind(name, raw, store, lang=lang)
        result = run_canned(store, bound)
        assert isinstance(result, ox.QuerySolutions)
        columns = [variable.value for variable in result.variables]
        rows = [tuple(text(row[column]) for column in columns) for row in result]
        return Answer(columns, rows)

    return run


def assert_seed_wording(answer: Answer, text_column: str, lines_column: str) -> None:
    """Each Korean text of the answer is the seed's own wording, on a line the row cites."""
    for row in answer.pick(text_column, lines_column):
        wording, lines = row
        if not HANGUL.search(wording):
            continue
        cited = [int(number) for number in lines.split(", ")]
        assert any(wording in SEED_LINES[number - 1] for number in cited), (wording, cited)


# -- the catalogue as a whole ------------------------------------------------------------

TESTED = {
    "blast-radius",
    "compare-dimension",
    "comparison-table",
    "counterparts",
    "depends-on",
    "feature-difference",
    "feature-options",
    "feature-support",
    "high-availability",
    "mentions",
    "platform-components",
    "pros-cons",
    "scale-figures",
    "search",
    "shared-roles",
    "sources",
}


def test_every_query_has_its_answer_tested(catalogue: Catalogue) -> None:
    assert set(catalogue) == TESTED


def test_every_query_answers_its_example(catalogue: Catalogue, ask: Ask) -> None:
    """The example of each header (what the OpenAPI document shows) answers something, and no
    parameter leaks into the answer as a column of its own unless the query shows it."""
    for name, query in catalogue.items():
        params = {key: values for key, values in query.example.items() if key != "lang"}
        lang = query.example.get("lang", ["en"])[0]
        answer = ask(name, lang, **params)
        assert answer.rows, name
        assert "lang" not in answer.columns, name


# -- compare-dimension -------------------------------------------------------------------


def test_compare_high_availability_in_korean_is_the_seeds_wording(ask: Ask) -> None:
    answer = ask("compare-dimension", "ko", dimension="okg:HighAvailability")
    assert answer.columns == [
        "rank",
        "left",
        "leftClaim",
        "leftText",
        "leftLines",
        "right",
        "rightClaim",
        "rightText",
        "rightLines",
        "section",
    ]
    # Lines 63-66: one bullet per platform.
    assert answer.rows == [
        ("1", "kg:kubernetes", "kg:claim-kubernetes-high-availability-1", seed(64), "63, 64", "kg:mesos-marathon", "kg:claim-mesos-marathon-high-availability-1", seed(66), "65, 66", "kg:seed-sec-high-availability")
    ]  # fmt: skip


def test_compare_storage_pairs_the_bullets_in_the_seeds_order(ask: Ask) -> None:
    # Lines 93-102: five Kubernetes bullets (94-98) against three Mesos + Marathon ones (100-102).
    answer = ask(
        "compare-dimension",
        left="kg:kubernetes",
        right="kg:mesos-marathon",
        dimension="okg:Storage",
    )
    k8s, mm, sec = "kg:kubernetes", "kg:mesos-marathon", "kg:seed-sec-storage"
    assert answer.without("leftText", "rightText") == [
        ("1", k8s, "kg:claim-kubernetes-storage-1", "93, 94", mm, "kg:claim-mesos-marathon-storage-1", "99, 100", sec),
        ("2", k8s, "kg:claim-kubernetes-storage-2", "93, 95", mm, "kg:claim-mesos-marathon-storage-2", "99, 101", sec),
        ("3", k8s, "kg:claim-kubernetes-storage-3", "93, 96", mm, "kg:claim-mesos-marathon-storage-3", "99, 102", sec),
        ("4", k8s, "kg:claim-kubernetes-storage-4", "93, 97", mm, "", "", sec),
        ("5", k8s, "kg:claim-kubernetes-storage-5", "93, 98", mm, "", "", sec),
    ]  # fmt: skip
    korean = ask("compare-dimension", "ko", dimension="okg:Storage")
    assert korean.pick("leftText") == [(seed(n),) for n in (94, 95, 96, 97, 98)]
    assert korean.pick("rightText") == [(seed(n),) for n in (100, 101, 102)] + [("",), ("",)]


def test_compare_networking_with_the_sides_swapped(ask: Ask) -> None:
    # Lines 104-113: Mesos + Marathon's host/bridge bullets (109, 111, 113) on the left now.
    answer = ask(
        "compare-dimension",
        "ko",
        left="kg:mesos-marathon",
        right="kg:kubernetes",
        dimension="okg:Networking",
    )
    mm, k8s, sec = "kg:mesos-marathon", "kg:kubernetes", "kg:seed-sec-networking"
    assert answer.rows == [
        ("1", mm, "kg:claim-mesos-marathon-networking-1", seed(109), "108, 109", k8s, "kg:claim-kubernetes-networking-1", seed(106), "105, 106", sec),
        ("2", mm, "kg:claim-mesos-marathon-networking-2", seed(111), "108, 110, 111", k8s, "kg:claim-kubernetes-networking-2", seed(107), "105, 107", sec),
        ("3", mm, "kg:claim-mesos-marathon-networking-3", seed(113), "108, 112, 113", k8s, "", "", "", sec),
    ]  # fmt: skip


def test_every_korean_claim_text_is_on_the_seed_line_it_cites(ask: Ask) -> None:
    for dimension in (
        "okg:ApplicationDefinition",
        "okg:ScalabilityConstructs",
        "okg:HighAvailability",
        "okg:LoadBalancing",
        "okg:AutoScaling",
        "okg:UpgradeRollback",
        "okg:HealthChecks",
        "okg:Storage",
        "okg:Networking",
        "okg:ServiceDiscovery",
        "okg:PerformanceScalability",
        "okg:Synopsis",
        "okg:Drawbacks",
        "okg:LoggingMonitoring",
        "okg:Choosing",
    ):
        answer = ask("compare-dimension", "ko", dimension=dimension)
        assert answer.rows, dimension
        assert_seed_wording(answer, "leftText", "leftLines")
        assert_seed_wording(answer, "rightText", "rightLines")


# -- comparison-table --------------------------------------------------------------------


def test_comparison_table_has_every_dimension_in_the_seeds_order(ask: Ask) -> None:
    answer = ask("comparison-table", left="kg:kubernetes", right="kg:mesos-marathon")
    assert answer.columns == [
        "order",
        "dimension",
        "dimensionLabel",
        "left",
        "leftText",
        "leftLines",
        "right",
        "rightText",
        "rightLines",
        "section",
    ]
    k8s, mm = "kg:kubernetes", "kg:mesos-marathon"
    assert answer.without("leftText", "rightText") == [
        ("1", "okg:ApplicationDefinition", "application definition", k8s, "51, 52", mm, "53, 54", "kg:seed-sec-application-definition"),
        ("2", "okg:ScalabilityConstructs", "application scalability constructs", k8s, "57, 58", mm, "59, 60", "kg:seed-sec-scalability-constructs"),
        ("3", "okg:HighAvailability", "high availability", k8s, "63, 64", mm, "65, 66", "kg:seed-sec-high-availability"),
        ("4", "okg:LoadBalancing", "load balancing", k8s, "69, 70", mm, "71, 72", "kg:seed-sec-load-balancing"),
        ("5", "okg:AutoScaling", "auto scaling", k8s, "75, 76", mm, "77, 78", "kg:seed-sec-auto-scaling"),
        ("6", "okg:UpgradeRollback", "application upgrade and rollback", k8s, "81, 82", mm, "83, 84", "kg:seed-sec-upgrade-rollback"),
        ("7", "okg:HealthChecks", "health checks", k8s, "87, 88", mm, "89, 90", "kg:seed-sec-health-checks"),
        ("8", "okg:Storage", "storage", k8s, "93, 94, 95, 96, 97, 98", mm, "99, 100, 101, 102", "kg:seed-sec-storage"),
        ("9", "okg:Networking", "networking", k8s, "105, 106, 107", mm, "108, 109, 110, 111, 112, 113", "kg:seed-sec-networking"),
        ("10", "okg:ServiceDiscovery", "service discovery", k8s, "116, 117, 118", mm, "119, 120, 121", "kg:seed-sec-service-discovery"),
        ("11", "okg:PerformanceScalability", "performance and scalability", k8s, "124, 125", mm, "126, 127", "kg:seed-sec-performance-scalability"),
        ("12", "okg:Synopsis", "synopsis", k8s, "130, 131, 132, 133", mm, "134, 135, 136, 137", "kg:seed-sec-synopsis"),
        ("13", "okg:Drawbacks", "drawbacks", k8s, "140, 141, 142, 143", mm, "144, 145, 146, 147, 148, 149", "kg:seed-sec-drawbacks"),
        ("14", "okg:LoggingMonitoring", "logging and monitoring", k8s, "151, 152", mm, "153, 154, 155", "kg:seed-sec-logging-monitoring"),
        ("15", "okg:Choosing", "choosing", k8s, "158, 162, 163, 164, 165, 167, 169", mm, "167, 169", "kg:seed-sec-choosing"),
    ]  # fmt: skip


def test_comparison_table_in_korean_is_the_seeds_bullets(ask: Ask) -> None:
    answer = ask("comparison-table", "ko")
    cells = {
        row[0]: row[1:]
        for row in answer.pick("dimension", "dimensionLabel", "leftText", "rightText")
    }
    assert cells["okg:HighAvailability"] == ("고가용성", seed(64), seed(66))
    assert cells["okg:HealthChecks"] == ("헬스 체크", seed(88), seed(90))
    assert cells["okg:Storage"] == (
        "스토리지",
        "\n".join(seed(n) for n in (94, 95, 96, 97, 98)),
        "\n".join(seed(n) for n in (100, 101, 102)),
    )
    assert cells["okg:Networking"] == (
        "네트워킹",
        "\n".join(seed(n) for n in (106, 107)),
        "\n".join(seed(n) for n in (109, 111, 113)),
    )
    # Line 155 sits under Logging/Monitoring although it is about auto-scaling.
    assert cells["okg:LoggingMonitoring"] == (
        "로깅 및 모니터링",
        seed(152),
        "\n".join(seed(n) for n in (154, 155)),
    )
    # Line 169 is one sentence, split between the two platforms.
    assert cells["okg:Choosing"][2] == seed(169).split(", 그렇지")[0]


def test_comparison_table_against_a_platform_the_seed_does_not_compare(ask: Ask) -> None:
    answer = ask("comparison-table", left="kg:kubernetes", right="kg:dcos")
    assert len(answer.rows) == 15
    assert set(answer.pick("right", "rightText", "rightLines")) == {("kg:dcos", "", "")}


# -- platform-components -----------------------------------------------------------------


def test_kubernetes_components_in_korean_are_the_seeds_list(ask: Ask) -> None:
    # Lines 15-22 list the cluster components; line 118 adds the DNS add-on.
    answer = ask("platform-components", "ko", platform="kg:kubernetes")
    assert answer.columns == [
        "component",
        "componentLabel",
        "partOf",
        "role",
        "roleLabel",
        "description",
        "section",
        "lines",
    ]
    k8s, sec = "kg:kubernetes", "kg:seed-sec-kubernetes"
    assert answer.rows == [
        ("kg:etcd", "etcd", k8s, "okg:StateStoreRole", "상태 저장소", after_colon(16), sec, "16"),
        ("kg:kube-apiserver", "쿠버네티스 API 서버", k8s, "okg:APIServerRole", "API 서버", after_colon(17), sec, "17"),
        ("kg:kube-apiserver", "쿠버네티스 API 서버", k8s, "okg:ControlPlaneRole", "컨트롤 플레인", after_colon(17), sec, "17"),
        ("kg:kube-controller-manager", "쿠버네티스 컨트롤러 매니저", k8s, "okg:ControlPlaneRole", "컨트롤 플레인", after_colon(18), sec, "18"),
        ("kg:kube-controller-manager", "쿠버네티스 컨트롤러 매니저", k8s, "okg:ControllerRole", "컨트롤러", after_colon(18), sec, "18"),
        ("kg:kube-dns-addon", "쿠버네티스 DNS 서버 애드온", k8s, "okg:ServiceDiscoveryRole", "서비스 디스커버리", "DNS server는 addon으로 사용할 수 있습니다.", "kg:seed-sec-service-discovery", "118"),
        ("kg:kube-scheduler", "쿠버네티스 스케줄러", k8s, "okg:ControlPlaneRole", "컨트롤 플레인", after_colon(19), sec, "19"),
        ("kg:kube-scheduler", "쿠버네티스 스케줄러", k8s, "okg:SchedulerRole", "스케줄러", after_colon(19), sec, "19"),
        ("kg:kubelet", "큐블릿", k8s, "okg:NodeAgentRole", "노드 에이전트", after_colon(20), sec, "20"),
        ("kg:kubernetes-master", "쿠버네티스 마스터", k8s, "okg:ControlPlaneNodeRole", "컨트롤 플레인 노드", after_colon(21), sec, "21"),
        ("kg:kubernetes-node", "쿠버네티스 노드", k8s, "okg:WorkerNodeRole", "워커 노드", after_colon(22), sec, "22"),
    ]  # fmt: skip
    assert_seed_wording(answer, "description", "lines")


def test_mesos_marathon_components_include_those_of_mesos_and_marathon(ask: Ask) -> None:
    # Lines 34-40 (Mesos Master, Mesos Slave, Zookeeper, Marathon Scheduler, Docker Executor;
    # "Framework", line 37, is an abstraction), 60 (CLI, UI), 66 (ZooKeeper), 121 (Mesos-DNS).
    answer = ask("platform-components", platform="kg:mesos-marathon")
    mm, marathon, mesos = "kg:mesos-marathon", "kg:marathon", "kg:mesos"
    sec, sc, ha = (
        "kg:seed-sec-mesos-marathon",
        "kg:seed-sec-scalability-constructs",
        "kg:seed-sec-high-availability",
    )
    assert answer.without("description") == [
        ("kg:marathon-cli", "Marathon CLI", marathon, "okg:CommandLineRole", "command-line interface", sc, "60"),
        ("kg:marathon-scheduler", "Marathon scheduler", marathon, "okg:SchedulerRole", "scheduler", sec, "39"),
        ("kg:marathon-scheduler", "Marathon scheduler", marathon, "okg:SchedulerRole", "scheduler", sc, "60"),
        ("kg:marathon-ui", "Marathon UI", marathon, "okg:UserInterfaceRole", "user interface", sc, "60"),
        ("kg:mesos-agent", "Mesos agent", mesos, "okg:NodeAgentRole", "node agent", sec, "36"),
        ("kg:mesos-agent", "Mesos agent", mesos, "okg:WorkerNodeRole", "worker node", sec, "36"),
        ("kg:mesos-master", "Mesos master", mesos, "okg:ControlPlaneRole", "control plane", sec, "35"),
        ("kg:mesos-master", "Mesos master", mesos, "okg:ResourceManagerRole", "resource manager", sec, "35"),
        ("kg:docker-executor", "Docker executor", mm, "okg:ExecutorRole", "executor", sec, "40"),
        ("kg:mesos-dns", "Mesos-DNS", mm, "okg:ServiceDiscoveryRole", "service discovery", "kg:seed-sec-service-discovery", "121"),
        ("kg:zookeeper", "ZooKeeper", mm, "okg:CoordinationServiceRole", "coordination service", sec, "38"),
        ("kg:zookeeper", "ZooKeeper", mm, "okg:CoordinationServiceRole", "coordination service", ha, "66"),
        ("kg:zookeeper", "ZooKeeper", mm, "okg:StateStoreRole", "state store", sec, "38"),
        ("kg:zookeeper", "ZooKeeper", mm, "okg:StateStoreRole", "state store", ha, "66"),
    ]  # fmt: skip


# -- depends-on and blast-radius ---------------------------------------------------------


def test_what_the_api_server_depends_on(ask: Ask) -> None:
    # Line 16: the master node's API server keeps the configuration data in etcd.
    # Line 17: the API server is the hub of the master node.
    answer = ask("depends-on", component="kg:kube-apiserver")
    assert answer.columns == [
        "dependency",
        "dependencyLabel",
        "from",
        "relation",
        "section",
        "lines",
    ]
    assert answer.rows == [
        ("kg:etcd", "etcd", "kg:kube-apiserver", "okg:storesStateIn", "kg:seed-sec-kubernetes", "16"),
        ("kg:kubernetes-master", "Kubernetes master", "kg:kube-apiserver", "okg:runsOn", "kg:seed-sec-kubernetes", "16, 17"),
    ]  # fmt: skip


def test_what_the_docker_executor_depends_on(ask: Ask) -> None:
    # Line 40: the Docker executor runs containers on the slave nodes.
    answer = ask("depends-on", "ko", component="kg:docker-executor")
    assert answer.rows == [
        ("kg:mesos-agent", "메소스 에이전트", "kg:docker-executor", "okg:runsOn", "kg:seed-sec-mesos-marathon", "40"),
    ]  # fmt: skip


def test_what_breaks_if_zookeeper_goes_down(ask: Ask) -> None:
    # Line 66: ZooKeeper elects the leaders of Mesos and Marathon and keeps the clustering
    # state (38: the cluster state's registry); then what runs on Mesos: Marathon (30, 54),
    # Spark and Cassandra (35, 54), and DC/OS, built on the Mesos kernel (43).
    answer = ask("blast-radius", component="kg:zookeeper")
    assert answer.columns == ["dependent", "dependentLabel", "relation", "on", "section", "lines"]
    mm, ad, ha = (
        "kg:seed-sec-mesos-marathon",
        "kg:seed-sec-application-definition",
        "kg:seed-sec-high-availability",
    )
    assert answer.rows == [
        ("kg:cassandra", "Cassandra", "okg:runsOn", "kg:mesos", mm, "35"),
        ("kg:cassandra", "Cassandra", "okg:runsOn", "kg:mesos", ad, "54"),
        ("kg:dcos", "Mesosphere DC/OS", "okg:builtOn", "kg:mesos", "kg:seed-sec-dcos", "43"),
        ("kg:marathon", "Marathon", "okg:electsLeaderThrough", "kg:zookeeper", ha, "66"),
        ("kg:marathon", "Marathon", "okg:runsOn", "kg:mesos", mm, "30"),
        ("kg:marathon", "Marathon", "okg:runsOn", "kg:mesos", ad, "54"),
        ("kg:mesos", "Mesos", "okg:electsLeaderThrough", "kg:zookeeper", ha, "66"),
        ("kg:mesos-marathon", "Mesos + Marathon", "okg:storesStateIn", "kg:zookeeper", mm, "38"),
        ("kg:mesos-marathon", "Mesos + Marathon", "okg:storesStateIn", "kg:zookeeper", ha, "66"),
        ("kg:mesos-master", "Mesos master", "okg:electsLeaderThrough", "kg:zookeeper", ha, "66"),
        ("kg:spark", "Spark", "okg:runsOn", "kg:mesos", mm, "35"),
        ("kg:spark", "Spark", "okg:runsOn", "kg:mesos", ad, "54"),
    ]


def test_what_breaks_if_etcd_goes_down(ask: Ask) -> None:
    answer = ask("blast-radius", "ko", component="kg:etcd")
    assert answer.rows == [
        ("kg:kube-apiserver", "쿠버네티스 API 서버", "okg:storesStateIn", "kg:etcd", "kg:seed-sec-kubernetes", "16"),
    ]  # fmt: skip


# -- high-availability -------------------------------------------------------------------


def test_high_availability_of_both_platforms_by_default(ask: Ask) -> None:
    # Line 64: Pods spread over nodes, several masters, etcd clustering, API server
    # replication; line 66: ZooKeeper elects the leaders of Mesos and Marathon; line 78:
    # Marathon reschedules a failed container (self-healing, also line 30).
    answer = ask("high-availability")
    assert answer.columns == [
        "platform",
        "aspect",
        "item",
        "text",
        "status",
        "through",
        "section",
        "lines",
    ]
    k8s, mm, ha = "kg:kubernetes", "kg:mesos-marathon", "kg:seed-sec-high-availability"
    assert answer.without("text") == [
        (k8s, "okg:HighAvailability", "kg:claim-kubernetes-high-availability-1", "okg:BuiltIn", "", ha, "63, 64"),
        (k8s, "okg:HighAvailabilityMechanism", "kg:apiserver-replication", "okg:BuiltIn", "kg:kube-apiserver", ha, "63, 64"),
        (k8s, "okg:HighAvailabilityMechanism", "kg:etcd-clustering", "okg:BuiltIn", "kg:etcd", ha, "63, 64"),
        (k8s, "okg:HighAvailabilityMechanism", "kg:multi-master-ha", "okg:BuiltIn", "kg:kubernetes-master", ha, "63, 64"),
        (k8s, "okg:HighAvailabilityMechanism", "kg:pod-spreading", "okg:BuiltIn", "", ha, "63, 64"),
        (mm, "okg:HighAvailability", "kg:claim-mesos-marathon-high-availability-1", "okg:BuiltIn", "", ha, "65, 66"),
        (mm, "okg:HighAvailabilityMechanism", "kg:self-healing", "okg:BuiltIn", "kg:marathon", "kg:seed-sec-auto-scaling", "77, 78"),
        (mm, "okg:HighAvailabilityMechanism", "kg:zookeeper-leader-election", "okg:BuiltIn", "kg:zookeeper", ha, "65, 66"),
        (mm, "okg:electsLeaderThrough", "kg:marathon", "", "kg:zookeeper", ha, "66"),
        (mm, "okg:electsLeaderThrough", "kg:mesos", "", "kg:zookeeper", ha, "66"),
    ]  # fmt: skip
    assert answer.rows == ask("high-availability", platforms="kg:kubernetes,kg:mesos-marathon").rows


def test_high_availability_of_mesos_marathon_in_korean(ask: Ask) -> None:
    answer = ask("high-availability", "ko", platforms=["kg:mesos-marathon"])
    mm, ha = "kg:mesos-marathon", "kg:seed-sec-high-availability"
    assert answer.rows == [
        (mm, "okg:HighAvailability", "kg:claim-mesos-marathon-high-availability-1", seed(66), "okg:BuiltIn", "", ha, "65, 66"),
        (mm, "okg:HighAvailabilityMechanism", "kg:self-healing", "셀프 힐링", "okg:BuiltIn", "kg:marathon", "kg:seed-sec-auto-scaling", "77, 78"),
        (mm, "okg:HighAvailabilityMechanism", "kg:zookeeper-leader-election", "주키퍼를 통한 리더 선출", "okg:BuiltIn", "kg:zookeeper", ha, "65, 66"),
        (mm, "okg:electsLeaderThrough", "kg:marathon", "마라톤", "", "kg:zookeeper", ha, "66"),
        (mm, "okg:electsLeaderThrough", "kg:mesos", "메소스", "", "kg:zookeeper", ha, "66"),
    ]  # fmt: skip


# -- feature-difference ------------------------------------------------------------------

K8S_ONLY = [
    ("kg:kubernetes", "kg:recreate", "Recreate strategy", "okg:DeploymentStrategy", "okg:BuiltIn", "kg:deployment", "kg:seed-sec-upgrade-rollback", "81, 82"),
    ("kg:kubernetes", "kg:liveness-probe", "Liveness probe", "okg:HealthCheckKind", "okg:BuiltIn", "", "kg:seed-sec-health-checks", "87, 88"),
    ("kg:kubernetes", "kg:readiness-probe", "Readiness probe", "okg:HealthCheckKind", "okg:BuiltIn", "", "kg:seed-sec-health-checks", "87, 88"),
    ("kg:kubernetes", "kg:apiserver-replication", "API server replication", "okg:HighAvailabilityMechanism", "okg:BuiltIn", "kg:kube-apiserver", "kg:seed-sec-high-availability", "63, 64"),
    ("kg:kubernetes", "kg:etcd-clustering", "etcd clustering", "okg:HighAvailabilityMechanism", "okg:BuiltIn", "kg:etcd", "kg:seed-sec-high-availability", "63, 64"),
    ("kg:kubernetes", "kg:multi-master-ha", "Multi-master high availability", "okg:HighAvailabilityMechanism", "okg:BuiltIn", "kg:kubernetes-master", "kg:seed-sec-high-availability", "63, 64"),
    ("kg:kubernetes", "kg:pod-spreading", "Spreading Pods across nodes", "okg:HighAvailabilityMechanism", "okg:BuiltIn", "", "kg:seed-sec-high-availability", "63, 64"),
    ("kg:kubernetes", "kg:overlay-network", "Flat overlay network", "okg:NetworkingMode", "okg:BuiltIn", "", "kg:seed-sec-networking", "105, 106, 107"),
    ("kg:kubernetes", "kg:declarative-scaling", "Declarative scaling", "okg:ScalingMechanism", "okg:BuiltIn", "kg:deployment", "kg:seed-sec-auto-scaling", "75, 76"),
    ("kg:kubernetes", "kg:env-var-service-discovery", "Environment-variable service discovery", "okg:ServiceDiscoveryMechanism", "okg:BuiltIn", "kg:kubelet", "kg:seed-sec-service-discovery", "116, 117"),
    ("kg:kubernetes", "kg:emptydir-volume", "emptyDir volume", "okg:StorageOption", "okg:BuiltIn", "", "kg:seed-sec-storage", "93, 98"),
    ("kg:kubernetes", "kg:persistent-volume", "Persistent volume", "okg:StorageOption", "okg:BuiltIn", "", "kg:seed-sec-storage", "93, 97"),
    ("kg:kubernetes", "kg:persistent-volume", "Persistent volume", "okg:StorageOption", "okg:BuiltIn", "", "kg:seed-sec-synopsis", "130, 131"),
    ("kg:kubernetes", "kg:storage-backend-api", "Individual storage backends API", "okg:StorageOption", "okg:BuiltIn", "", "kg:seed-sec-storage", "93, 94, 95"),
    ("kg:kubernetes", "kg:storage-request-api", "Storage resource request API", "okg:StorageOption", "okg:BuiltIn", "", "kg:seed-sec-storage", "93, 94, 96"),
]  # fmt: skip

MESOS_MARATHON_ONLY = [
    ("kg:mesos-marathon", "kg:http-health-check", "HTTP health check", "okg:HealthCheckKind", "okg:BuiltIn", "", "kg:seed-sec-health-checks", "89, 90"),
    ("kg:mesos-marathon", "kg:other-protocol-health-check", "Other-protocol health check", "okg:HealthCheckKind", "okg:BuiltIn", "", "kg:seed-sec-health-checks", "89, 90"),
    ("kg:mesos-marathon", "kg:tcp-health-check", "TCP health check", "okg:HealthCheckKind", "okg:BuiltIn", "", "kg:seed-sec-health-checks", "89, 90"),
    ("kg:mesos-marathon", "kg:self-healing", "Self-healing", "okg:HighAvailabilityMechanism", "okg:BuiltIn", "kg:marathon", "kg:seed-sec-auto-scaling", "77, 78"),
    ("kg:mesos-marathon", "kg:zookeeper-leader-election", "Leader election through ZooKeeper", "okg:HighAvailabilityMechanism", "okg:BuiltIn", "kg:zookeeper", "kg:seed-sec-high-availability", "65, 66"),
    ("kg:mesos-marathon", "kg:host-port-mapping", "Host-port mapping", "okg:LoadBalancingMechanism", "okg:BuiltIn", "", "kg:seed-sec-load-balancing", "71, 72"),
    ("kg:mesos-marathon", "kg:host-port-mapping", "Host-port mapping", "okg:LoadBalancingMechanism", "okg:BuiltIn", "", "kg:seed-sec-networking", "108, 112, 113"),
    ("kg:mesos-marathon", "kg:named-vip", "Named VIP load balancing", "okg:LoadBalancingMechanism", "okg:BuiltIn", "kg:vip", "kg:seed-sec-service-discovery", "119, 121"),
    ("kg:mesos-marathon", "kg:bridge-networking", "Bridge mode networking", "okg:NetworkingMode", "okg:BuiltIn", "", "kg:seed-sec-networking", "108, 109, 112, 113"),
    ("kg:mesos-marathon", "kg:host-networking", "Host mode networking", "okg:NetworkingMode", "okg:BuiltIn", "", "kg:seed-sec-networking", "108, 109, 110, 111"),
    ("kg:mesos-marathon", "kg:log-aggregation", "Log aggregation", "okg:ObservabilityOption", "okg:BuiltIn", "", "kg:seed-sec-logging-monitoring", "153, 154"),
    ("kg:mesos-marathon", "kg:named-vip", "Named VIP load balancing", "okg:ServiceDiscoveryMechanism", "okg:BuiltIn", "kg:vip", "kg:seed-sec-service-discovery", "119, 121"),
    ("kg:mesos-marathon", "kg:external-persistent-volume", "External volume", "okg:StorageOption", "okg:Beta", "", "kg:seed-sec-storage", "99, 101, 102"),
    ("kg:mesos-marathon", "kg:external-persistent-volume", "External volume", "okg:StorageOption", "okg:Beta", "", "kg:seed-sec-synopsis", "134, 135"),
    ("kg:mesos-marathon", "kg:local-persistent-volume", "Local persistent volume", "okg:StorageOption", "okg:Beta", "", "kg:seed-sec-storage", "99, 100"),
]  # fmt: skip


def test_features_one_platform_has_and_the_other_lacks(ask: Ask) -> None:
    # Kubernetes alone: recreate (82), liveness/readiness (88), the HA mechanisms of line 64,
    # the flat overlay network (106-107), declarative scaling (76), environment variables
    # (117), its storage APIs and volumes (94-98, 131). Mesos + Marathon alone: HTTP/TCP/other
    # checks (90), self-healing (78), ZooKeeper leader election (66), host ports (72, 113),
    # named VIPs (121), host and bridge mode (109-113), log aggregation (154), and its beta
    # volumes (100-102, 135). Both: rolling update, DNS, manual and metric scaling, ...
    answer = ask("feature-difference", left="kg:kubernetes", right="kg:mesos-marathon")
    assert answer.columns == [
        "platform",
        "feature",
        "featureLabel",
        "category",
        "status",
        "implementedBy",
        "section",
        "lines",
    ]
    assert answer.rows == K8S_ONLY + MESOS_MARATHON_ONLY


def test_feature_difference_with_the_sides_swapped_in_korean(ask: Ask) -> None:
    answer = ask("feature-difference", "ko", left="kg:mesos-marathon", right="kg:kubernetes")
    assert answer.pick("platform", "feature", "status", "section", "lines") == [
        (row[0], row[1], row[4], row[6], row[7]) for row in MESOS_MARATHON_ONLY + K8S_ONLY
    ]
    labels = {row[0]: row[1] for row in answer.pick("feature", "featureLabel")}
    assert labels["kg:local-persistent-volume"] == "로컬 퍼시스턴트 볼륨"
    assert labels["kg:recreate"] == "재생성(Recreate) 전략"


# -- feature-options ---------------------------------------------------------------------

K8S, MM = "kg:kubernetes", "kg:mesos-marathon"
OPTIONS = {
    # Line 88: liveness and readiness; line 90: HTTP, TCP and other protocols.
    "okg:HealthCheckKind": [
        (K8S, "kg:liveness-probe", "Liveness probe", "okg:BuiltIn", "", "", "kg:seed-sec-health-checks", "87, 88"),
        (K8S, "kg:readiness-probe", "Readiness probe", "okg:BuiltIn", "", "", "kg:seed-sec-health-checks", "87, 88"),
        (MM, "kg:http-health-check", "HTTP health check", "okg:BuiltIn", "", "", "kg:seed-sec-health-checks", "89, 90"),
        (MM, "kg:other-protocol-health-check", "Other-protocol health check", "okg:BuiltIn", "", "", "kg:seed-sec-health-checks", "89, 90"),
        (MM, "kg:tcp-health-check", "TCP health check", "okg:BuiltIn", "", "", "kg:seed-sec-health-checks", "89, 90"),
    ],
    # Line 82: rolling update and recreate on Deployments; line 84: rolling update only.
    "okg:DeploymentStrategy": [
        (K8S, "kg:recreate", "Recreate strategy", "okg:BuiltIn", "Deployment", "", "kg:seed-sec-upgrade-rollback", "81, 82"),
        (K8S, "kg:rolling-update", "Rolling update", "okg:BuiltIn", "Deployment", "", "kg:seed-sec-upgrade-rollback", "81, 82"),
        (MM, "kg:rolling-update", "Rolling update", "okg:BuiltIn", "Marathon deployment", "", "kg:seed-sec-upgrade-rollback", "83, 84"),
    ],
    # Lines 94-98 (two APIs; NFS, AWS EBS, Ceph; iSCSI, NFS, FC, AWS, GCP, MS Azure; emptyDir)
    # and 131; lines 100-102 and 135: local and external volumes, both beta.
    "okg:StorageOption": [
        (K8S, "kg:emptydir-volume", "emptyDir volume", "okg:BuiltIn", "", "", "kg:seed-sec-storage", "93, 98"),
        (K8S, "kg:persistent-volume", "Persistent volume", "okg:BuiltIn", "", "Amazon Web Services, FC (Fibre Channel), Google Cloud Platform, Microsoft Azure, NFS, iSCSI", "kg:seed-sec-storage", "93, 97"),
        (K8S, "kg:persistent-volume", "Persistent volume", "okg:BuiltIn", "", "Amazon Web Services, FC (Fibre Channel), Google Cloud Platform, Microsoft Azure, NFS, iSCSI", "kg:seed-sec-synopsis", "130, 131"),
        (K8S, "kg:storage-backend-api", "Individual storage backends API", "okg:BuiltIn", "", "Amazon EBS, Ceph, NFS", "kg:seed-sec-storage", "93, 94, 95"),
        (K8S, "kg:storage-request-api", "Storage resource request API", "okg:BuiltIn", "", "", "kg:seed-sec-storage", "93, 94, 96"),
        (MM, "kg:external-persistent-volume", "External volume", "okg:Beta", "", "Amazon EBS", "kg:seed-sec-storage", "99, 101, 102"),
        (MM, "kg:external-persistent-volume", "External volume", "okg:Beta", "", "Amazon EBS", "kg:seed-sec-synopsis", "134, 135"),
        (MM, "kg:local-persistent-volume", "Local persistent volume", "okg:Beta", "", "", "kg:seed-sec-storage", "99, 100"),
    ],
    # Line 106: a flat overlay network; line 109: host or bridge mode.
    "okg:NetworkingMode": [
        (K8S, "kg:overlay-network", "Flat overlay network", "okg:BuiltIn", "", "", "kg:seed-sec-networking", "105, 106, 107"),
        (MM, "kg:bridge-networking", "Bridge mode networking", "okg:BuiltIn", "", "", "kg:seed-sec-networking", "108, 109, 112, 113"),
        (MM, "kg:host-networking", "Host mode networking", "okg:BuiltIn", "", "", "kg:seed-sec-networking", "108, 109, 110, 111"),
    ],
    # Lines 117-118: environment variables (the kubelet) or DNS (an add-on); lines 120-121
    # (and 149): DNS records by Mesos-DNS, named VIPs.
    "okg:ServiceDiscoveryMechanism": [
        (K8S, "kg:dns-service-discovery", "DNS-based service discovery", "okg:AddOn", "Kubernetes DNS server add-on", "", "kg:seed-sec-service-discovery", "116, 117, 118"),
        (K8S, "kg:env-var-service-discovery", "Environment-variable service discovery", "okg:BuiltIn", "kubelet", "", "kg:seed-sec-service-discovery", "116, 117"),
        (MM, "kg:dns-service-discovery", "DNS-based service discovery", "okg:BuiltIn", "Mesos-DNS", "", "kg:seed-sec-service-discovery", "119, 120, 121"),
        (MM, "kg:dns-service-discovery", "DNS-based service discovery", "okg:BuiltIn", "Mesos-DNS", "", "kg:seed-sec-drawbacks", "144, 149"),
        (MM, "kg:named-vip", "Named VIP load balancing", "okg:BuiltIn", "Named VIP", "", "kg:seed-sec-service-discovery", "119, 121"),
    ],
}  # fmt: skip


@pytest.mark.parametrize("category", sorted(OPTIONS))
def test_options_per_platform_in_a_category(ask: Ask, category: str) -> None:
    answer = ask("feature-options", category=category, platforms=[K8S, MM])
    assert answer.columns == [
        "platform",
        "feature",
        "featureLabel",
        "status",
        "implementedBy",
        "covers",
        "section",
        "lines",
    ]
    assert answer.rows == OPTIONS[category]


def test_storage_options_of_one_platform_in_korean(ask: Ask) -> None:
    answer = ask("feature-options", "ko", category="okg:StorageOption", platforms=MM)
    assert answer.rows == [
        (MM, "kg:external-persistent-volume", "외부 볼륨", "okg:Beta", "", "아마존 EBS", "kg:seed-sec-storage", "99, 101, 102"),
        (MM, "kg:external-persistent-volume", "외부 볼륨", "okg:Beta", "", "아마존 EBS", "kg:seed-sec-synopsis", "134, 135"),
        (MM, "kg:local-persistent-volume", "로컬 퍼시스턴트 볼륨", "okg:Beta", "", "", "kg:seed-sec-storage", "99, 100"),
    ]  # fmt: skip


# -- scale-figures -----------------------------------------------------------------------

KUBERNETES_DOCS = "https://kubernetes.io/docs/setup/best-practices/cluster-large/"
KUBERNETES_DOCS_SOURCE = (
    "https://github.com/kubernetes/website/blob/04d4491af2b6259d1bad3549a5450e5cc102dec2/"
    "content/en/docs/setup/best-practices/cluster-large.md"
)


def test_scale_figures_with_version_and_source(ask: Ask) -> None:
    # Seed: 5000 nodes as of release 1.6 (125) and without a version (143); 10000 nodes
    # according to Digital Ocean (127) and "10000개 이상" per the Mesosphere blog (147).
    # Outside the seed: the Kubernetes large-cluster limits, each from two URLs.
    answer = ask("scale-figures")
    assert answer.columns == [
        "platform",
        "value",
        "unit",
        "bound",
        "version",
        "accordingTo",
        "text",
        "origin",
        "claim",
        "section",
        "lines",
        "source",
    ]
    k8s, mm = "kg:kubernetes", "kg:mesos-marathon"
    external = [
        ("300000", "okg:ContainerUnit", "kg:claim-kubernetes-performance-scalability-104"),
        ("5000", "okg:NodeUnit", "kg:claim-kubernetes-performance-scalability-101"),
        ("150000", "okg:PodUnit", "kg:claim-kubernetes-performance-scalability-103"),
        ("110", "okg:PodsPerNodeUnit", "kg:claim-kubernetes-performance-scalability-102"),
    ]
    assert answer.without("text") == [
        (k8s, "5000", "okg:NodeUnit", "okg:AtMost", "", "", "seed", "kg:claim-kubernetes-drawbacks-3", "kg:seed-sec-drawbacks", "140, 143", ""),
        (k8s, "5000", "okg:NodeUnit", "okg:AtMost", "1.6", "", "seed", "kg:claim-kubernetes-performance-scalability-1", "kg:seed-sec-performance-scalability", "124, 125", ""),
        (mm, "10000", "okg:NodeUnit", "okg:AtLeast", "", "kg:ref-mesosphere-blog", "seed", "kg:claim-mesos-marathon-drawbacks-3", "kg:seed-sec-drawbacks", "144, 147", ""),
        (mm, "10000", "okg:NodeUnit", "okg:Exactly", "", "kg:digital-ocean", "seed", "kg:claim-mesos-marathon-performance-scalability-1", "kg:seed-sec-performance-scalability", "126, 127", ""),
    ] + [
        (k8s, value, unit, "okg:AtMost", "1.30", "", "external", claim, "", "", source)
        for value, unit, claim in external
        for source in (KUBERNETES_DOCS_SOURCE, KUBERNETES_DOCS)
    ]  # fmt: skip


def test_scale_figures_in_korean(ask: Ask) -> None:
    answer = ask("scale-figures", "ko")
    texts = answer.pick("claim", "text")
    assert texts[:4] == [
        ("kg:claim-kubernetes-drawbacks-3", seed(143)),
        ("kg:claim-kubernetes-performance-scalability-1", seed(125)),
        ("kg:claim-mesos-marathon-drawbacks-3", seed(147)),
        ("kg:claim-mesos-marathon-performance-scalability-1", seed(127)),
    ]
    assert texts[6] == (
        "kg:claim-kubernetes-performance-scalability-101",
        "Kubernetes는 클러스터당 최대 5,000개 노드를 전제로 설계됨 (외부 출처)",
    )
    assert_seed_wording(
        Answer(["text", "lines"], answer.pick("text", "lines")[:4]), "text", "lines"
    )


# -- pros-cons ---------------------------------------------------------------------------


def test_pros_and_cons_of_kubernetes(ask: Ask) -> None:
    # Advantages: the synopsis (131-133) and the closing section (158, 162-165, 169);
    # disadvantages: the drawbacks section (141-143).
    answer = ask("pros-cons", platform="kg:kubernetes")
    assert answer.columns == [
        "polarity",
        "about",
        "dimension",
        "text",
        "origin",
        "claim",
        "section",
        "lines",
        "source",
    ]
    k8s, syn, cho, dra = (
        "kg:kubernetes",
        "kg:seed-sec-synopsis",
        "kg:seed-sec-choosing",
        "kg:seed-sec-drawbacks",
    )
    assert answer.without("text") == [
        ("okg:Advantage", k8s, "okg:Synopsis", "seed", "kg:claim-kubernetes-synopsis-1", syn, "130, 131", ""),
        ("okg:Advantage", k8s, "okg:Synopsis", "seed", "kg:claim-kubernetes-synopsis-2", syn, "130, 132", ""),
        ("okg:Advantage", k8s, "okg:Synopsis", "seed", "kg:claim-kubernetes-synopsis-3", syn, "130, 133", ""),
        ("okg:Advantage", k8s, "okg:Choosing", "seed", "kg:claim-kubernetes-choosing-1", cho, "158", ""),
        ("okg:Advantage", k8s, "okg:Choosing", "seed", "kg:claim-kubernetes-choosing-2", cho, "162", ""),
        ("okg:Advantage", k8s, "okg:Choosing", "seed", "kg:claim-kubernetes-choosing-3", cho, "162, 163", ""),
        ("okg:Advantage", k8s, "okg:Choosing", "seed", "kg:claim-kubernetes-choosing-4", cho, "162, 164", ""),
        ("okg:Advantage", k8s, "okg:Choosing", "seed", "kg:claim-kubernetes-choosing-5", cho, "162, 165", ""),
        ("okg:Advantage", k8s, "okg:Choosing", "seed", "kg:claim-kubernetes-choosing-6", cho, "167, 169", ""),
        ("okg:Disadvantage", k8s, "okg:Drawbacks", "seed", "kg:claim-kubernetes-drawbacks-1", dra, "140, 141", ""),
        ("okg:Disadvantage", k8s, "okg:Drawbacks", "seed", "kg:claim-kubernetes-drawbacks-2", dra, "140, 142", ""),
        ("okg:Disadvantage", k8s, "okg:Drawbacks", "seed", "kg:claim-kubernetes-drawbacks-3", dra, "140, 143", ""),
    ]  # fmt: skip


def test_pros_cons_and_neutral_statements_of_mesos_marathon_in_korean(ask: Ask) -> None:
    # Lines 145-149 under "* Mesos + Marathon" in the drawbacks section (148 praises
    # Kubernetes, but the seed puts it there), 135-137 in the synopsis, 169 the conclusion;
    # and the retirement of its two members, from outside the seed.
    answer = ask(
        "pros-cons",
        "ko",
        platform="kg:mesos-marathon",
        polarities=["okg:Advantage", "okg:Disadvantage", "okg:Neutral"],
    )
    mm, dra, syn = "kg:mesos-marathon", "kg:seed-sec-drawbacks", "kg:seed-sec-synopsis"
    assert answer.rows == [
        ("okg:Advantage", mm, "okg:Drawbacks", seed(145), "seed", "kg:claim-mesos-marathon-drawbacks-1", dra, "144, 145", ""),
        ("okg:Advantage", mm, "okg:Drawbacks", seed(146), "seed", "kg:claim-mesos-marathon-drawbacks-2", dra, "144, 146", ""),
        ("okg:Advantage", mm, "okg:Drawbacks", seed(147), "seed", "kg:claim-mesos-marathon-drawbacks-3", dra, "144, 147", ""),
        ("okg:Advantage", mm, "okg:Drawbacks", seed(148), "seed", "kg:claim-mesos-marathon-drawbacks-4", dra, "144, 148", ""),
        ("okg:Advantage", mm, "okg:Drawbacks", seed(149), "seed", "kg:claim-mesos-marathon-drawbacks-5", dra, "144, 149", ""),
        ("okg:Disadvantage", mm, "okg:Synopsis", seed(135), "seed", "kg:claim-mesos-marathon-synopsis-1", syn, "134, 135", ""),
        ("okg:Disadvantage", mm, "okg:Synopsis", seed(137), "seed", "kg:claim-mesos-marathon-synopsis-3", syn, "134, 137", ""),
        ("okg:Disadvantage", "kg:marathon", "okg:Choosing", "Marathon 저장소는 DC/OS 지원 종료 이후 더 이상 유지보수되지 않음 (외부 출처)", "external", "kg:claim-marathon-choosing-101", "", "", "https://github.com/mesosphere/marathon"),
        ("okg:Disadvantage", "kg:mesos", "okg:Choosing", "Apache Mesos 프로젝트는 은퇴하여 Apache Attic으로 이관됨 (외부 출처)", "external", "kg:claim-mesos-choosing-101", "", "", "https://mesos.apache.org/api/latest/c++/pages.html"),
        ("okg:Neutral", mm, "okg:Synopsis", seed(136), "seed", "kg:claim-mesos-marathon-synopsis-2", syn, "134, 136", ""),
        ("okg:Neutral", mm, "okg:Choosing", seed(169).split(", 그렇지")[0], "seed", "kg:claim-mesos-marathon-choosing-1", "kg:seed-sec-choosing", "167, 169", ""),
    ]  # fmt: skip


# -- sources -----------------------------------------------------------------------------

CITED = [
    ("cited by the seed", "kg:ref-mesosphere-blog", "", "", "", "Mesosphere blog", "참고: Mesosphere 블로그", ""),
    ("cited by the seed", "kg:ref-platform9", "", "", "", "Platform9 blog: Kubernetes vs Mesos + Marathon", "", "https://platform9.com/blog/kubernetes-vs-mesos-marathon/"),
    ("cited by the seed", "kg:ref-stratoscale", "", "", "", "Stratoscale blog: Kubernetes vs Mesos, an architect's perspective", "", "https://www.stratoscale.com/blog/kubernetes/kubernetes-vs-mesos-architects-perspective/"),
    ("cited by the seed", "kg:ref-thenewstack", "", "", "", "The New Stack: a brief comparison of Mesos and Kubernetes", "", "https://thenewstack.io/a-brief-comparison-of-mesos-and-kubernetes/"),
]  # fmt: skip


def test_sources_of_a_claim(ask: Ask) -> None:
    # Line 147, under "* Mesos + Marathon" (144) of the drawbacks heading (139), citing the
    # Mesosphere blog; the seed's reference list is lines 174-176.
    answer = ask("sources", resource="kg:claim-mesos-marathon-drawbacks-3")
    assert answer.columns == [
        "kind",
        "via",
        "section",
        "title",
        "lines",
        "text",
        "seedText",
        "source",
    ]
    assert answer.rows == [
        ("section", "", "kg:seed-sec-drawbacks", seed(139).lstrip("# "), "144, 147", "Some organisations within Apple, Bloomberg and Netflix use Mesos at large scale on " "more than 10000 nodes (see: the Mesosphere blog).", seed(147), ""),
        ("according to", "kg:ref-mesosphere-blog", "", "", "", "Mesosphere blog", "참고: Mesosphere 블로그", ""),
        *CITED,
    ]  # fmt: skip
    assert sorted(row[-1] for row in CITED[1:]) == sorted(
        line.lstrip("* ") for line in SEED_LINES[173:176]
    )


def test_sources_of_a_feature_support_in_korean(ask: Ask) -> None:
    # External volumes are beta (101, 135) and scale to one instance (102).
    answer = ask("sources", "ko", resource="kg:support-mesos-marathon-external-persistent-volume")
    sto, syn = "kg:seed-sec-storage", "kg:seed-sec-synopsis"
    label = "메소스 + 마라톤: 외부 볼륨 (베타)"
    assert answer.rows[:5] == [
        ("section", "", sto, "Storage", "99, 101, 102", label, "", ""),
        ("section", "", syn, "Synopsis", "134, 135", label, "", ""),
        ("claim", "kg:claim-mesos-marathon-storage-2", sto, "Storage", "99, 101", seed(101), seed(101), ""),
        ("claim", "kg:claim-mesos-marathon-storage-3", sto, "Storage", "99, 102", seed(102), seed(102), ""),
        ("claim", "kg:claim-mesos-marathon-synopsis-1", syn, "Synopsis", "134, 135", seed(135), seed(135), ""),
    ]  # fmt: skip
    assert answer.pick("kind", "via", "source")[5:] == [(row[0], row[1], row[7]) for row in CITED]


def test_sources_of_an_external_fact(ask: Ask) -> None:
    answer = ask("sources", resource="kg:claim-kubernetes-performance-scalability-101")
    statement = (
        "Kubernetes (v1.30 per the stored page) supports clusters with up to 5,000 nodes; the "
        'documented design envelope is "No more than 5,000 nodes".'
    )
    assert answer.rows == [
        ("external source", "", "", "", "", statement, "", KUBERNETES_DOCS_SOURCE),
        ("external source", "", "", "", "", statement, "", KUBERNETES_DOCS),
    ]


def test_sources_of_a_component_give_the_seeds_wording(ask: Ask) -> None:
    # etcd: lines 15-16 (the component list) and 64 (etcd clustering).
    answer = ask("sources", "ko", resource="kg:etcd")
    assert answer.pick("kind", "section", "title", "lines", "seedText")[:2] == [
        ("section", "kg:seed-sec-kubernetes", "Kubernetes", "15, 16", after_colon(16)),
        ("section", "kg:seed-sec-high-availability", "High Availability", "64", after_colon(16)),
    ]


# -- search ------------------------------------------------------------------------------

ZOOKEEPER_HITS = [
    "kg:support-mesos-marathon-zookeeper-leader-election",
    "kg:zookeeper",
    "kg:zookeeper-leader-election",
]


@pytest.mark.parametrize("text", ["zookeeper", "ZOOKEEPER", "ZooKeeper", "주키퍼"])
def test_search_ignores_case_and_finds_korean_labels(ask: Ask, text: str) -> None:
    answer = ask("search", q=text)
    assert sorted(row[0] for row in answer.pick("resource")) == ZOOKEEPER_HITS


def test_search_answer(ask: Ask) -> None:
    answer = ask("search", q="DNS")
    assert answer.columns == ["resource", "label", "matched", "type", "section", "source"]
    sd = "kg:seed-sec-service-discovery"
    assert answer.rows == [
        ("kg:dns-service-discovery", "DNS-based service discovery", "DNS 기반 서비스 디스커버리", "okg:Feature", sd, ""),
        ("kg:kube-dns-addon", "Kubernetes DNS server add-on", "DNS server", "okg:Component", "kg:seed-sec-application-definition", ""),
        ("kg:support-kubernetes-dns-service-discovery", "Kubernetes: DNS-based service discovery (add-on)", "Kubernetes: DNS-based service discovery (add-on)", "okg:FeatureSupport", sd, ""),
        ("kg:support-mesos-marathon-dns-service-discovery", "Mesos + Marathon: DNS-based service discovery (built in)", "Mesos + Marathon: DNS-based service discovery (built in)", "okg:FeatureSupport", sd, ""),
        ("kg:mesos-dns", "Mesos-DNS", "Mesos-DNS", "okg:Component", sd, ""),
    ]  # fmt: skip
    korean = ask("search", "ko", q="주키퍼")
    assert korean.rows == [
        ("kg:support-mesos-marathon-zookeeper-leader-election", "메소스 + 마라톤: 주키퍼를 통한 리더 선출 (기본 제공)", "메소스 + 마라톤: 주키퍼를 통한 리더 선출 (기본 제공)", "okg:FeatureSupport", "kg:seed-sec-high-availability", ""),
        ("kg:zookeeper", "주키퍼", "주키퍼", "okg:Component", "kg:seed-sec-mesos-marathon", ""),
        ("kg:zookeeper-leader-election", "주키퍼를 통한 리더 선출", "주키퍼를 통한 리더 선출", "okg:Feature", "kg:seed-sec-high-availability", ""),
    ]  # fmt: skip


def test_search_finds_external_facts_with_their_source(ask: Ask) -> None:
    answer = ask("search", q="retired")
    assert answer.pick("resource", "type", "section", "source") == [
        ("kg:claim-mesos-choosing-101", "okg:Claim", "", "https://mesos.apache.org/api/latest/c++/pages.html"),
    ]  # fmt: skip


def test_search_treats_its_text_as_text(ask: Ask) -> None:
    assert ask("search", q='") } SELECT * { ?s ?p ?o } #').rows == []


# -- feature-support, mentions, counterparts, shared-roles --------------------------------


def test_metric_auto_scaling_support_keeps_the_seeds_contradiction(ask: Ask) -> None:
    # Kubernetes: lines 58 and 76. Mesos + Marathon: only through a component (78), yet
    # "supported by default" (155); both are kept.
    answer = ask("feature-support", feature="kg:metric-autoscaling")
    assert answer.columns == [
        "platform",
        "status",
        "statusLabel",
        "implementedBy",
        "support",
        "section",
        "lines",
    ]
    assert answer.rows == [
        (K8S, "okg:BuiltIn", "built in", "", "kg:support-kubernetes-metric-autoscaling", "kg:seed-sec-scalability-constructs", "57, 58"),
        (K8S, "okg:BuiltIn", "built in", "", "kg:support-kubernetes-metric-autoscaling", "kg:seed-sec-auto-scaling", "75, 76"),
        (MM, "okg:AddOn", "add-on", "", "kg:support-mesos-marathon-metric-autoscaling-addon", "kg:seed-sec-auto-scaling", "77, 78"),
        (MM, "okg:BuiltIn", "built in", "", "kg:support-mesos-marathon-metric-autoscaling-builtin", "kg:seed-sec-logging-monitoring", "153, 155"),
    ]  # fmt: skip
    korean = ask("feature-support", "ko", feature="kg:rolling-update")
    assert korean.pick("platform", "statusLabel", "implementedBy", "lines") == [
        (K8S, "기본 제공", "kg:deployment", "81, 82"),
        (MM, "기본 제공", "kg:marathon-deployment", "83, 84"),
    ]


def test_what_the_seed_says_about_zookeeper_and_pods(ask: Ask) -> None:
    answer = ask("mentions", "ko", resource="kg:zookeeper")
    assert answer.columns == ["claim", "platform", "dimension", "text", "section", "lines"]
    assert answer.rows == [
        ("kg:claim-mesos-marathon-high-availability-1", MM, "okg:HighAvailability", seed(66), "kg:seed-sec-high-availability", "65, 66"),
    ]  # fmt: skip
    # Pods: lines 52, 54 (Marathon 1.4's pods), 58, 64, 70, 106-107, 117-118.
    pods = ask("mentions", resource="kg:pod")
    assert pods.without("text") == [
        ("kg:claim-kubernetes-application-definition-1", K8S, "okg:ApplicationDefinition", "kg:seed-sec-application-definition", "51, 52"),
        ("kg:claim-mesos-marathon-application-definition-1", MM, "okg:ApplicationDefinition", "kg:seed-sec-application-definition", "53, 54"),
        ("kg:claim-kubernetes-scalability-constructs-1", K8S, "okg:ScalabilityConstructs", "kg:seed-sec-scalability-constructs", "57, 58"),
        ("kg:claim-kubernetes-high-availability-1", K8S, "okg:HighAvailability", "kg:seed-sec-high-availability", "63, 64"),
        ("kg:claim-kubernetes-load-balancing-1", K8S, "okg:LoadBalancing", "kg:seed-sec-load-balancing", "69, 70"),
        ("kg:claim-kubernetes-networking-1", K8S, "okg:Networking", "kg:seed-sec-networking", "105, 106"),
        ("kg:claim-kubernetes-networking-2", K8S, "okg:Networking", "kg:seed-sec-networking", "105, 107"),
        ("kg:claim-kubernetes-service-discovery-1", K8S, "okg:ServiceDiscovery", "kg:seed-sec-service-discovery", "116, 117"),
        ("kg:claim-kubernetes-service-discovery-2", K8S, "okg:ServiceDiscovery", "kg:seed-sec-service-discovery", "116, 118"),
    ]  # fmt: skip
    assert_seed_wording(ask("mentions", "ko", resource="kg:pod"), "text", "lines")


def test_counterparts_across_platforms(ask: Ask) -> None:
    answer = ask("counterparts")
    assert answer.columns == [
        "thing",
        "thingLabel",
        "counterpart",
        "counterpartLabel",
        "section",
        "lines",
    ]
    k, m, ha = (
        "kg:seed-sec-kubernetes",
        "kg:seed-sec-mesos-marathon",
        "kg:seed-sec-high-availability",
    )
    assert answer.rows == [
        ("kg:etcd", "etcd", "kg:zookeeper", "ZooKeeper", k, "16"),
        ("kg:etcd", "etcd", "kg:zookeeper", "ZooKeeper", m, "38"),
        ("kg:etcd", "etcd", "kg:zookeeper", "ZooKeeper", ha, "64, 66"),
        ("kg:kube-apiserver", "Kubernetes API server", "kg:mesos-master", "Mesos master", k, "17"),
        ("kg:kube-apiserver", "Kubernetes API server", "kg:mesos-master", "Mesos master", m, "35"),
        ("kg:kube-scheduler", "Kubernetes scheduler", "kg:marathon-scheduler", "Marathon scheduler", k, "19"),
        ("kg:kube-scheduler", "Kubernetes scheduler", "kg:marathon-scheduler", "Marathon scheduler", m, "39"),
        ("kg:kube-scheduler", "Kubernetes scheduler", "kg:marathon-scheduler", "Marathon scheduler", "kg:seed-sec-scalability-constructs", "60"),
        ("kg:kubelet", "kubelet", "kg:mesos-agent", "Mesos agent", k, "20"),
        ("kg:kubelet", "kubelet", "kg:mesos-agent", "Mesos agent", m, "36"),
        ("kg:kubernetes", "Kubernetes", "kg:mesos-marathon", "Mesos + Marathon", "kg:seed-sec-comparison", "49"),
        ("kg:marathon-pod", "Marathon pod", "kg:pod", "Pod", "kg:seed-sec-application-definition", "54"),
        ("kg:mesos-dns", "Mesos-DNS", "kg:kube-dns-addon", "Kubernetes DNS server add-on", "kg:seed-sec-service-discovery", "118, 121"),
    ]  # fmt: skip


def test_components_side_by_side_by_role(ask: Ask) -> None:
    answer = ask("shared-roles", left=K8S, right=MM)
    assert answer.columns == [
        "role",
        "roleLabel",
        "left",
        "leftComponent",
        "leftLabel",
        "leftLines",
        "right",
        "rightComponent",
        "rightLabel",
        "rightLines",
    ]
    assert answer.pick("role", "leftComponent", "leftLines", "rightComponent", "rightLines") == [
        ("okg:APIServerRole", "kg:kube-apiserver", "17", "", ""),
        ("okg:CommandLineRole", "", "", "kg:marathon-cli", "60"),
        ("okg:ControlPlaneNodeRole", "kg:kubernetes-master", "21", "", ""),
        ("okg:ControlPlaneRole", "kg:kube-apiserver", "17", "kg:mesos-master", "35"),
        ("okg:ControlPlaneRole", "kg:kube-controller-manager", "18", "kg:mesos-master", "35"),
        ("okg:ControlPlaneRole", "kg:kube-scheduler", "19", "kg:mesos-master", "35"),
        ("okg:ControllerRole", "kg:kube-controller-manager", "18", "", ""),
        ("okg:CoordinationServiceRole", "", "", "kg:zookeeper", "38, 66"),
        ("okg:ExecutorRole", "", "", "kg:docker-executor", "40"),
        ("okg:NodeAgentRole", "kg:kubelet", "20", "kg:mesos-agent", "36"),
        ("okg:ResourceManagerRole", "", "", "kg:mesos-master", "35"),
        ("okg:SchedulerRole", "kg:kube-scheduler", "19", "kg:marathon-scheduler", "39, 60"),
        ("okg:ServiceDiscoveryRole", "kg:kube-dns-addon", "118", "kg:mesos-dns", "121"),
        ("okg:StateStoreRole", "kg:etcd", "16", "kg:zookeeper", "38, 66"),
        ("okg:UserInterfaceRole", "", "", "kg:marathon-ui", "60"),
        ("okg:WorkerNodeRole", "kg:kubernetes-node", "22", "kg:mesos-agent", "36"),
    ]
    korean = ask("shared-roles", "ko")
    assert korean.pick("role", "roleLabel", "leftLabel", "rightLabel")[-3] == (
        "okg:StateStoreRole",
        "상태 저장소",
        "etcd",
        "주키퍼",
    )
