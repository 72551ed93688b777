"""The traffic EKS needs, as data: rows in order from strict to lenient, each owning the ports no earlier row checks."""

from __future__ import annotations

import pytest

from cfnlint_eks_sg.core._ports import ALL_PORTS, ALL_TRAFFIC, NO_PORTS, TCP, UDP, IpProtocol, PortSet
from cfnlint_eks_sg.flows._requirements import REQUIREMENTS, Channel, Level, _tcp, owned_before

ROWS = {row.rule_id: row for row in REQUIREMENTS}


def _ports(*spans: tuple[int, int]) -> PortSet:
    found = NO_PORTS
    for first, last in spans:
        found = found | PortSet.span(first, last)
    return found


@pytest.mark.parametrize(("rule_id", "channel", "traffic", "level"), [
    ("EK1001", Channel.NODES_TO_CONTROL_PLANE, ((TCP, _ports((443, 443))),), Level.MINIMUM),
    ("EK1002", Channel.CONTROL_PLANE_TO_NODES, ((TCP, _ports((10250, 10250))),), Level.MINIMUM),
    ("WK1004", Channel.CONTROL_PLANE_TO_NODES, ((TCP, _ports((443, 443))),), Level.RECOMMENDED),
    ("WK1003", Channel.CONTROL_PLANE_TO_NODES, ((TCP, _ports((1025, 65535))),), Level.RECOMMENDED),
    ("IK1008", Channel.CONTROL_PLANE_TO_NODES, ((TCP, _ports((0, 1024))),), Level.OPTIONAL),
    ("EK1005", Channel.NODES_TO_NODES, ((TCP, _ports((53, 53))), (UDP, _ports((53, 53)))), Level.MINIMUM),
    ("WK1009", Channel.NODES_TO_NODES, ((ALL_TRAFFIC, ALL_PORTS),), Level.RECOMMENDED),
    ("EK4002", Channel.CONTROL_PLANE_TO_REMOTE_NODES, ((TCP, _ports((10250, 10250))),), Level.MINIMUM),
    ("WK4004", Channel.CONTROL_PLANE_TO_REMOTE_PODS, ((TCP, _ports((443, 443), (1025, 65535))),), Level.RECOMMENDED),
])
def test_each_row_is_the_traffic_the_eks_guide_names(rule_id: str, channel: Channel,
                                                      traffic: tuple[tuple[IpProtocol, PortSet], ...],
                                                      level: Level) -> None:
    """Each requirement connects the roles, protocols and ports of the seed and the EKS user guide."""
    row = ROWS[rule_id]
    assert (row.channel, row.traffic, row.level) == (channel, traffic, level)
    assert row.source and row.purpose


def test_every_rule_id_has_one_row() -> None:
    """A rule reads its row by id: two rows with one id would make one of them unreachable."""
    assert len(ROWS) == len(REQUIREMENTS)


@pytest.mark.parametrize(("rule_id", "protocol", "owned"), [
    ("EK1002", TCP, NO_PORTS),  # the strictest row on its channel checks everything it names
    ("WK1004", TCP, _ports((10250, 10250))),  # EK1002 reports 10250
    ("WK1003", TCP, _ports((443, 443), (10250, 10250))),  # WK1003 reports 1025-65535 except 10250
    ("IK1008", TCP, _ports((443, 443), (1025, 65535))),  # 0-1024 except 443
    ("IK1008", UDP, NO_PORTS),  # the rows before it name TCP only
    ("EK1001", TCP, NO_PORTS),  # first on its channel; 443 of control plane -> nodes is another channel
    ("EK1005", UDP, NO_PORTS),
    ("WK1009", TCP, _ports((53, 53))),  # EK1005 reports DNS
    ("WK1009", UDP, _ports((53, 53))),
    ("WK1009", ALL_TRAFFIC, NO_PORTS),  # no earlier row names every protocol
    ("EK4002", TCP, NO_PORTS),  # 10250 on control plane -> nodes is not this channel's
    ("WK4004", TCP, NO_PORTS),  # remote pods are not remote nodes
])
def test_a_row_checks_only_what_stricter_rows_on_its_channel_leave(rule_id: str, protocol: IpProtocol,
                                                                   owned: PortSet) -> None:
    """EK1002 reports 10250 and WK1003 the rest of 1025-65535: one missing port gives one finding."""
    assert owned_before(ROWS[rule_id], protocol) == owned



@pytest.mark.parametrize(("written", "traffic"), [
    ((443,), (TCP, _ports((443, 443)))),  # one port
    ((1025, 65535), (TCP, _ports((1025, 65535)))),  # first to last, inclusive
    ((0, 1024), (TCP, _ports((0, 1024)))),
])
def test_a_tcp_row_is_one_port_or_an_inclusive_range(written: tuple[int, ...], traffic: object) -> None:
    """How the table spells TCP traffic: `_tcp(443)` is port 443 alone, `_tcp(a, b)` ports a to b."""
    assert _tcp(*written) == traffic
