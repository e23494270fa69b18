"""Generate a synthetic container-orchestration architecture graph as N-Triples.

The graph has the shape of orchkg's shipped graph, at any size: platforms with
their organisations, then cluster after cluster, each built on a platform, with
its nodes, its control-plane components (with roles, dependencies and
placement), its workloads (depending on each other and on a few shared services
of cluster 0) and their pods or tasks, labelled in English and Korean, with
numeric attributes (CPU, memory, replicas, start-up order).

Terms use the orchkg vocabulary (``https://w3id.org/orchkg/ontology#``);
resources live under ``https://w3id.org/orchkg/resource/synthetic/``. Clusters,
nodes, workloads, pods and tasks are typed with ``okg:Cluster``, ``okg:Node``,
``okg:Workload``, ``okg:Pod`` and ``okg:Task``, classes only this generator uses.

The output is exactly ``--triples`` lines (the last cluster is cut where the
count is reached), the same for the same ``--seed``, and streamed: only the
current cluster is held in memory.

    python benchmarks/generate.py --triples 1000000 -o /tmp/synthetic.nt
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import itertools
import random
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

OKG = "https://w3id.org/orchkg/ontology#"
RESOURCE = "https://w3id.org/orchkg/resource/synthetic/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SKOS_DEFINITION = "<http://www.w3.org/2004/02/skos/core#definition>"
XSD_INTEGER = "<http://www.w3.org/2001/XMLSchema#integer>"
XSD_DECIMAL = "<http://www.w3.org/2001/XMLSchema#decimal>"

MIN_WORKLOADS = 8
MAX_WORKLOADS = 40
MIN_WORKERS = 4
MAX_WORKERS = 60
CONTROL_PLANE_NODES = 3
SHARED_SERVICES = 4
"""Workloads 0..3 of cluster 0 are shared services that other clusters' workloads use."""


def okg(name: str) -> str:
    return f"<{OKG}{name}>"


def res(path: str) -> str:
    return f"<{RESOURCE}{path}>"


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def lang_literal(value: str, lang: str) -> str:
    return f'"{value.translate(_ESCAPES)}"@{lang}'


def plain_literal(value: str) -> str:
    return f'"{value.translate(_ESCAPES)}"'


def integer_literal(value: int) -> str:
    return f'"{value}"^^{XSD_INTEGER}'


def decimal_literal(hundredths: int) -> str:
    """A decimal with two fraction digits, as written by hand: "1.50", not "1.5"."""
    return f'"{hundredths // 100}.{hundredths % 100:02d}"^^{XSD_DECIMAL}'


def triple(subject: str, predicate: str, obj: str) -> str:
    return f"{subject} {predicate} {obj} .\n"


@dataclasses.dataclass(frozen=True)
class ComponentKind:
    slug: str
    label_en: str
    label_ko: str
    role: str
    depends_on: tuple[str, ...] = ()
    on_every_node: bool = False


@dataclasses.dataclass(frozen=True)
class PlatformKind:
    slug: str
    label_en: str
    label_ko: str
    developer: str
    versions: tuple[str, ...]
    unit_en: str
    unit_ko: str
    unit_class: str
    scheduler: str
    components: tuple[ComponentKind, ...]


_MESOS_CORE = (
    ComponentKind("zookeeper", "ZooKeeper", "주키퍼", "CoordinationServiceRole"),
    ComponentKind(
        "mesos-master", "Mesos master", "메소스 마스터", "ResourceManagerRole", ("zookeeper",)
    ),
    ComponentKind(
        "mesos-agent",
        "Mesos agent",
        "메소스 에이전트",
        "NodeAgentRole",
        ("mesos-master",),
        on_every_node=True,
    ),
    ComponentKind(
        "marathon-scheduler",
        "Marathon scheduler",
        "마라톤 스케줄러",
        "SchedulerRole",
        ("mesos-master", "zookeeper"),
    ),
    ComponentKind(
        "docker-executor",
        "Docker executor",
        "도커 실행기",
        "ExecutorRole",
        ("mesos-agent",),
        on_every_node=True,
    ),
    ComponentKind(
        "mesos-dns", "Mesos-DNS", "메소스 DNS", "ServiceDiscoveryRole", ("mesos-master",)
    ),
)

PLATFORMS: tuple[PlatformKind, ...] = (
    PlatformKind(
        "kubernetes",
        "Kubernetes",
        "쿠버네티스",
        "google",
        ("1.6", "1.7", "1.8", "1.9"),
        "pod",
        "파드",
        "Pod",
        "kube-scheduler",
        (
            ComponentKind("etcd", "etcd", "etcd", "StateStoreRole"),
            ComponentKind(
                "kube-apiserver",
                "Kubernetes API server",
                "쿠버네티스 API 서버",
                "APIServerRole",
                ("etcd",),
            ),
            ComponentKind(
                "kube-scheduler",
                "Kubernetes scheduler",
                "쿠버네티스 스케줄러",
                "SchedulerRole",
                ("kube-apiserver",),
            ),
            ComponentKind(
                "kube-controller-manager",
                "Kubernetes controller manager",
                "쿠버네티스 컨트롤러 매니저",
                "ControllerRole",
                ("kube-apiserver",),
            ),
            ComponentKind(
                "kubelet",
                "kubelet",
                "kubelet",
                "NodeAgentRole",
                ("kube-apiserver",),
                on_every_node=True,
            ),
            ComponentKind(
                "kube-dns",
                "Kubernetes DNS add-on",
                "쿠버네티스 DNS 애드온",
                "ServiceDiscoveryRole",
                ("kube-apiserver",),
            ),
            ComponentKind(
                "dashboard",
                "Kubernetes dashboard",
                "쿠버네티스 대시보드",
                "UserInterfaceRole",
                ("kube-apiserver",),
            ),
            ComponentKind("kubectl", "kubectl", "kubectl", "CommandLineRole", ("kube-apiserver",)),
            ComponentKind(
                "cluster-monitoring",
                "cluster monitoring",
                "클러스터 모니터링",
                "MonitoringRole",
                ("kubelet", "kube-apiserver"),
            ),
        ),
    ),
    PlatformKind(
        "mesos-marathon",
        "Mesos + Marathon",
        "메소스 + 마라톤",
        "mesosphere",
        ("1.1", "1.2", "1.3", "1.4"),
        "task",
        "태스크",
        "Task",
        "marathon-scheduler",
        (
            *_MESOS_CORE,
            ComponentKind(
                "marathon-ui",
                "Marathon UI",
                "마라톤 UI",
                "UserInterfaceRole",
                ("marathon-scheduler",),
            ),
            ComponentKind(
                "marathon-cli",
                "Marathon CLI",
                "마라톤 CLI",
                "CommandLineRole",
                ("marathon-scheduler",),
            ),
        ),
    ),
    PlatformKind(
        "dcos",
        "DC/OS",
        "DC/OS",
        "mesosphere",
        ("1.8", "1.9", "1.10", "1.11"),
        "task",
        "태스크",
        "Task",
        "marathon-scheduler",
        (
            *_MESOS_CORE,
            ComponentKind(
                "dcos-package-manager",
                "DC/OS package management",
                "DC/OS 패키지 관리",
                "PackageManagerRole",
                ("marathon-scheduler",),
            ),
            ComponentKind(
                "dcos-ui",
                "DC/OS user interface",
                "DC/OS 사용자 인터페이스",
                "UserInterfaceRole",
                ("mesos-master", "marathon-scheduler"),
            ),
            ComponentKind(
                "dcos-monitoring",
                "DC/OS monitoring",
                "DC/OS 모니터링",
                "MonitoringRole",
                ("mesos-agent", "mesos-master"),
            ),
        ),
    ),
)
PLATFORM_WEIGHTS = (2, 1, 1)

ORGANISATIONS = (("google", "Google", "구글"), ("mesosphere", "Mesosphere", "메소스피어"))

APPLICATIONS = (
    ("checkout", "결제"),
    ("search", "검색"),
    ("catalog", "카탈로그"),
    ("inventory", "재고"),
    ("auth", "인증"),
    ("gateway", "게이트웨이"),
    ("billing", "청구"),
    ("analytics", "분석"),
    ("notification", "알림"),
    ("media", "미디어"),
    ("recommendation", "추천"),
    ("session", "세션"),
    ("log-shipper", "로그 수집기"),
    ("metrics", "메트릭"),
    ("batch-scheduler", "배치 스케줄러"),
    ("queue", "큐"),
)
REGIONS = ("eu-west", "eu-central", "us-east", "us-west", "ap-northeast", "ap-southeast")
ZONES = ("a", "b", "c")


@dataclasses.dataclass
class Counts:
    """What the generator has started so far (the last cluster may be cut short)."""

    clusters: int = 0
    nodes: int = 0
    components: int = 0
    workloads: int = 0
    pods: int = 0


def platform_iri(kind: PlatformKind, version: str) -> str:
    return res(f"platform/{kind.slug}-{version}")


def _organisations() -> Iterator[str]:
    for slug, label_en, label_ko in ORGANISATIONS:
        org = res(f"organisation/{slug}")
        yield triple(org, RDF_TYPE, okg("Organisation"))
        yield triple(org, RDFS_LABEL, lang_literal(label_en, "en"))
        yield triple(org, RDFS_LABEL, lang_literal(label_ko, "ko"))


def _platforms() -> Iterator[str]:
    for kind in PLATFORMS:
        for version in kind.versions:
            platform = platform_iri(kind, version)
            yield triple(platform, RDF_TYPE, okg("Platform"))
            yield triple(platform, RDFS_LABEL, lang_literal(f"{kind.label_en} {version}", "en"))
            yield triple(platform, RDFS_LABEL, lang_literal(f"{kind.label_ko} {version}", "ko"))
            yield triple(platform, okg("validForVersion"), plain_literal(version))
            yield triple(platform, okg("developedBy"), res(f"organisation/{kind.developer}"))
            yield triple(
                platform,
                SKOS_DEFINITION,
                lang_literal(
                    f"Synthetic {kind.label_en} release {version}, "
                    f"scheduling {kind.unit_en}s onto nodes.",
                    "en",
                ),
            )


def _node(
    rng: random.Random, cluster_path: str, cluster: str, index: int, counts: Counts
) -> Iterator[str]:
    role = "ControlPlaneNodeRole" if index < CONTROL_PLANE_NODES else "WorkerNodeRole"
    node = res(f"{cluster_path}/node-{index}")
    counts.nodes += 1
    yield triple(node, RDF_TYPE, okg("Node"))
    yield triple(node, okg("hasRole"), okg(role))
    yield triple(node, okg("partOf"), cluster)
    yield triple(node, RDFS_LABEL, lang_literal(f"node {index} of {cluster_path}", "en"))
    yield triple(node, RDFS_LABEL, lang_literal(f"{cluster_path}의 노드 {index}", "ko"))
    yield triple(node, okg("cpuCores"), integer_literal(rng.choice((4, 8, 16, 32, 64))))
    yield triple(
        node, okg("memoryMiB"), integer_literal(1024 * rng.choice((8, 16, 32, 64, 128, 256)))
    )
    yield triple(node, okg("zone"), plain_literal(f"zone-{rng.choice(ZONES)}"))


def _components(
    rng: random.Random,
    kind: PlatformKind,
    cluster_path: str,
    cluster: str,
    node_count: int,
    counts: Counts,
) -> Iterator[str]:
    for order, component_kind in enumerate(kind.components, start=1):
        component = res(f"{cluster_path}/{component_kind.slug}")
        counts.components += 1
        yield triple(component, RDF_TYPE, okg("Component"))
        yield triple(component, okg("hasRole"), okg(component_kind.role))
        yield triple(component, okg("partOf"), cluster)
        yield triple(component, RDFS_LABEL, lang_literal(component_kind.label_en, "en"))
        yield triple(component, RDFS_LABEL, lang_literal(component_kind.label_ko, "ko"))
        yield triple(
            component,
            SKOS_DEFINITION,
            lang_literal(f"The {component_kind.label_en} of {kind.label_en} {cluster_path}.", "en"),
        )
        yield triple(component, okg("order"), integer_literal(order))
        replicas = 1 if component_kind.on_every_node else rng.choice((1, 3, 3, 5))
        yield triple(component, okg("replicas"), integer_literal(replicas))
        for dependency in component_kind.depends_on:
            yield triple(component, okg("dependsOn"), res(f"{cluster_path}/{dependency}"))
        hosts = (
            range(node_count)
            if component_kind.on_every_node
            else sorted(rng.sample(range(CONTROL_PLANE_NODES), min(replicas, CONTROL_PLANE_NODES)))
        )
        for host in hosts:
            yield triple(component, okg("runsOn"), res(f"{cluster_path}/node-{host}"))


def _workloads(
    rng: random.Random,
    kind: PlatformKind,
    cluster_index: int,
    cluster_path: str,
    cluster: str,
    node_count: int,
    counts: Counts,
) -> Iterator[str]:
    scheduler = res(f"{cluster_path}/{kind.scheduler}")
    for index in range(rng.randint(MIN_WORKLOADS, MAX_WORKLOADS)):
        app_en, app_ko = rng.choice(APPLICATIONS)
        workload_path = f"{cluster_path}/workload-{index}"
        workload = res(workload_path)
        counts.workloads += 1
        yield triple(workload, RDF_TYPE, okg("Workload"))
        yield triple(workload, okg("partOf"), cluster)
        yield triple(workload, RDFS_LABEL, lang_literal(f"{app_en} {index}", "en"))
        yield triple(workload, RDFS_LABEL, lang_literal(f"{app_ko} {index}", "ko"))
        yield triple(workload, okg("controlledBy"), scheduler)
        replicas = rng.choice((1, 2, 3, 3, 5, 8))
        yield triple(workload, okg("replicas"), integer_literal(replicas))
        if index:
            for dependency in sorted(rng.sample(range(index), min(index, rng.randint(1, 2)))):
                yield triple(
                    workload, okg("dependsOn"), res(f"{cluster_path}/workload-{dependency}")
                )
        if cluster_index and rng.random() < 0.25:
            shared = rng.randrange(SHARED_SERVICES)
            yield triple(workload, okg("dependsOn"), res(f"cluster-0/workload-{shared}"))
        for replica in range(replicas):
            pod = res(f"{workload_path}/{kind.unit_en}-{replica}")
            counts.pods += 1
            yield triple(pod, RDF_TYPE, okg(kind.unit_class))
            yield triple(pod, okg("partOf"), workload)
            yield triple(
                pod, RDFS_LABEL, lang_literal(f"{app_en} {index} {kind.unit_en} {replica}", "en")
            )
            if rng.random() < 0.5:
                yield triple(
                    pod,
                    RDFS_LABEL,
                    lang_literal(f"{app_ko} {index} {kind.unit_ko} {replica}", "ko"),
                )
            yield triple(
                pod, okg("runsOn"), res(f"{cluster_path}/node-{rng.randrange(node_count)}")
            )
            yield triple(pod, okg("cpuRequest"), decimal_literal(rng.randrange(10, 400, 5)))
            yield triple(pod, okg("memoryMiB"), integer_literal(64 * rng.randint(1, 64)))
            yield triple(scheduler, okg("launches"), pod)


def _cluster(rng: random.Random, index: int, counts: Counts) -> Iterator[str]:
    kind = rng.choices(PLATFORMS, weights=PLATFORM_WEIGHTS)[0]
    version = rng.choice(kind.versions)
    cluster_path = f"cluster-{index}"
    cluster = res(cluster_path)
    node_count = CONTROL_PLANE_NODES + rng.randint(MIN_WORKERS, MAX_WORKERS)
    counts.clusters += 1
    yield triple(cluster, RDF_TYPE, okg("Cluster"))
    yield triple(cluster, RDFS_LABEL, lang_literal(f"{kind.label_en} cluster {index}", "en"))
    yield triple(cluster, RDFS_LABEL, lang_literal(f"{kind.label_ko} 클러스터 {index}", "ko"))
    yield triple(cluster, okg("builtOn"), platform_iri(kind, version))
    yield triple(cluster, okg("region"), plain_literal(rng.choice(REGIONS)))
    yield triple(cluster, okg("nodeCount"), integer_literal(node_count))
    for node in range(node_count):
        yield from _node(rng, cluster_path, cluster, node, counts)
    yield from _components(rng, kind, cluster_path, cluster, node_count, counts)
    yield from _workloads(rng, kind, index, cluster_path, cluster, node_count, counts)


def triples(seed: int, counts: Counts | None = None) -> Iterator[str]:
    """N-Triples lines without end: organisations, platforms, then cluster after cluster."""
    rng = random.Random(seed)
    counts = counts if counts is not None else Counts()
    yield from _organisations()
    yield from _platforms()
    for index in itertools.count():
        yield from _cluster(rng, index, counts)


def write(output: TextIO, count: int, seed: int, counts: Counts | None = None) -> None:
    """Write exactly ``count`` triples to ``output``."""
    output.writelines(itertools.islice(triples(seed, counts), count))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Write a synthetic container-orchestration graph as N-Triples.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--triples", type=int, default=1_000_000, help="Number of triples.")
    parser.add_argument("--seed", type=int, default=42, help="Random seed.")
    parser.add_argument(
        "-o", "--output", default="-", help="File to write (.nt), or - for standard output."
    )
    args = parser.parse_args(argv)
    if args.triples < 0:
        parser.error("--triples must be 0 or more")
    counts = Counts()
    started = time.perf_counter()
    if args.output == "-":
        stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
        write(stdout, args.triples, args.seed, counts)
        stdout.flush()
    else:
        with Path(args.output).open("w", encoding="utf-8", newline="\n") as output:
            write(output, args.triples, args.seed, counts)
    elapsed = time.perf_counter() - started
    print(
        f"generate: {args.triples:,} triples (seed {args.seed}) in {elapsed:.1f} s: "
        f"{counts.clusters:,} clusters, {counts.nodes:,} nodes, {counts.components:,} components, "
        f"{counts.workloads:,} workloads, {counts.pods:,} pods/tasks",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
