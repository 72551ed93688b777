"""Malformed and hostile shapes: a clear finding or silence from our rules, never an exception."""

from __future__ import annotations

import re

import pytest
from cfnlint.api import lint

from cfnlint_eks_sg._analysis import analyse
from tests.conftest import cfg

HEADER = 'AWSTemplateFormatVersion: "2010-09-09"\n'
OURS = re.compile(r"rule [EWI]K\d{4}")

CLUSTER = """
  Cluster:
    Type: AWS::EKS::Cluster
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/eks
      ResourcesVpcConfig:
        SubnetIds: [subnet-1]
        SecurityGroupIds: {groups}
"""

NASTY = {
    "resources-list": "Resources: []\n",
    # Rain modules and macros: a Type that is a mapping (the E0002 of issue 12, 14 corpus templates).
    "rain-module-type": "Resources:\n  Bucket:\n    Type: {Fn::Rain::Module: bucket.yml}\n"
                        "  Other:\n    Type: [AWS::EC2::SecurityGroup]\n" + CLUSTER.format(groups="[sg-1]"),
    "properties-string": "Resources:\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties: nope\n",
    "group-ids-novalue": "Resources:" + CLUSTER.format(groups="!Ref AWS::NoValue"),
    # str.split("") raises: CloudFormation rejects an empty delimiter, the reader must too.
    "group-ids-split-empty-delimiter": "Resources:" + CLUSTER.format(groups="!Split ['', !Sub 'sg-1,sg-2']"),
    # int() refuses strings of 4,300+ digits.
    "huge-digit-strings": "Resources:\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n"
                          "      GroupDescription: x\n      SecurityGroupIngress:\n"
                          f"        - {{IpProtocol: '{'6' * 5000}', FromPort: '{'9' * 5000}', ToPort: 443,"
                          " CidrIp: 10.0.0.0/8}\n"
                          f"        - {{IpProtocol: tcp, FromPort: 443, ToPort: '{'4' * 5000}', CidrIp: 10.0.0.0/8}}\n"
                          + CLUSTER.format(groups="[!Ref Sg]"),
    "group-ids-ints": "Resources:" + CLUSTER.format(groups="[1, 2, {a: b}]"),
    "group-ids-getatt-short": "Resources:" + CLUSTER.format(groups="[!GetAtt [Cluster]]"),
    "group-ids-if-missing-condition": "Resources:" + CLUSTER.format(groups="!If [Nope, [sg-1], [sg-2]]"),
    "group-ids-if-malformed": "Resources:" + CLUSTER.format(groups="[{'Fn::If': bad}, {'Fn::If': [a]}]"),
    "group-ids-deep-if": "Resources:" + CLUSTER.format(
        groups="[" + "{'Fn::If': [C, " * 40 + "sg-1" + ", x]}" * 40 + "]"),
    "rules-garbage": """Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: x
      SecurityGroupIngress: [1, "x", [], {IpProtocol: {Ref: P}, FromPort: abc, ToPort: 99999, CidrIp: 5},
        {IpProtocol: tcp, FromPort: 70000, ToPort: -5, SourceSecurityGroupId: {Fn::Join: [1, 2]}},
        {IpProtocol: [tcp], CidrIpv6: 0.0.0.0/0}, {Fn::If: [C, {IpProtocol: -1}, 5]}]
      SecurityGroupEgress: "everything"
      Tags: "x"
""",
    "standalone-garbage": """Resources:
  In:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: {Fn::GetAtt: 5}
      IpProtocol: {Fn::Select: [9, []]}
      SourceSecurityGroupId: {Fn::ImportValue: {Fn::Sub: [1, 2]}}
  Out:
    Type: AWS::EC2::SecurityGroupEgress
    Properties: {GroupId: [sg-1], IpProtocol: "256", DestinationPrefixListId: {Ref: Nope}}
""",
    "nodes-garbage": """Resources:
  Ng:
    Type: AWS::EKS::Nodegroup
    Properties: {ClusterName: {Fn::Join: x}, LaunchTemplate: "lt", RemoteAccess: [1], Subnets: 5}
  Asg:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: "1"
      MaxSize: "1"
      Tags: [{Key: {Fn::Sub: [1]}, Value: x}, 5]
      MixedInstancesPolicy: {LaunchTemplate: {Overrides: "x", LaunchTemplateSpecification: [1]}}
      LaunchConfigurationName: {Ref: Asg}
      VPCZoneIdentifier: {Fn::Split: [",", {Fn::Sub: 5}]}
  Vm:
    Type: AWS::EC2::Instance
    Properties:
      UserData: {Fn::Base64: {Fn::Join: ["", [{Fn::If: [C, "bootstrap.sh ", 1]}, [2]]]}}
      NetworkInterfaces: [{DeviceIndex: x, GroupSet: "sg-1", SubnetId: {Ref: Vm}}]
      LaunchTemplate: {LaunchTemplateName: {Ref: Vm}}
""",
    "network-garbage": """Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: {Fn::Cidr: [1, 2, 3]}, EnableDnsHostnames: {Ref: X}}
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: {Ref: Vpc}
      CidrBlock: {Fn::Select: [x, {Fn::Cidr: [{Fn::GetAtt: [Vpc, CidrBlock]}, 100000, 99]}]}
  Pl:
    Type: AWS::EC2::PrefixList
    Properties: {Entries: [{Cidr: 5}, 6], AddressFamily: IPv4, MaxEntries: 1, PrefixListName: x}
  Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties: {ServiceName: 5, VpcEndpointType: [Interface], VpcId: {Ref: Vpc}, SecurityGroupIds: {Ref: Pl}}
  Cluster:
    Type: AWS::EKS::Cluster
    Properties:
      RoleArn: x
      ResourcesVpcConfig: {SubnetIds: [{Ref: Subnet}], EndpointPrivateAccess: {Fn::If: [C, true]},
        PublicAccessCidrs: "0.0.0.0/0"}
      KubernetesNetworkConfig: [ipv6]
""",
    "self-referencing-conditions": """Conditions:
  A: {Fn::Not: [{Condition: A}]}
  B: {Fn::And: [{Condition: A}, {Condition: B}]}
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Condition: A
    Properties:
      GroupDescription: x
      SecurityGroupIngress:
        - {Fn::If: [B, {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}, {Ref: AWS::NoValue}]}
""" + CLUSTER.format(groups="[{Ref: Sg}]"),
    "metadata-garbage": """Metadata:
  cfnlint-eks-sg: {cluster_security_group_defaults: [1], control_plane_security_groups: {a: 1}, node_security_groups: 5}
Resources:""" + CLUSTER.format(groups="[sg-1]"),
    "odd-keys-and-missing-properties": """Resources:
  1:
    Type: AWS::EC2::SecurityGroup
  Sg:
    Type: AWS::EC2::SecurityGroup
  Ng:
    Type: AWS::EKS::Nodegroup
  In:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {GroupId: {Ref: Sg}, IpProtocol: tcp, FromPort: 1, ToPort: 2, 3: 4, SourceSecurityGroupId: {Ref: Sg}}
""",
    "cdk-garbage": """Resources:
  Cluster:
    Type: Custom::AWSCDK-EKS-Cluster
    Properties: {ServiceToken: x, Config: [1, 2]}
""",
}


@pytest.mark.parametrize("source", NASTY.values(), ids=list(NASTY))
def test_never_raises(source: str) -> None:
    matches = lint(HEADER + source, config=cfg())
    assert not [m for m in matches if m.rule.id == "E0000"], "the template must decode, or no rule runs"
    # cfn-lint's own rules crash on some of these (E1029 on integer keys): only ours must not.
    crashes = [m for m in matches if m.rule.id == "E0002" and OURS.search(m.message)]
    assert crashes == []


def test_the_sweep_exercises_the_plugin() -> None:
    # Guards the test above: lint() with cfg() really loads our rules (lint_all() would not).
    source = NASTY["group-ids-novalue"] + """
  Other:
    Type: AWS::EKS::Cluster
    Properties:
      RoleArn: x
      ResourcesVpcConfig: {SubnetIds: [subnet-1], SecurityGroupIds: [sg-shared]}
  Third:
    Type: AWS::EKS::Cluster
    Properties:
      RoleArn: x
      ResourcesVpcConfig: {SubnetIds: [subnet-1], SecurityGroupIds: [sg-shared]}
"""
    assert {m.rule.id for m in lint(HEADER + source, config=cfg())} >= {"WK2001"}


def _big(rules: int, groups: int = 20, node_groups: int = 5) -> dict[str, object]:
    resources: dict[str, object] = {
        "Cluster": {"Type": "AWS::EKS::Cluster", "Properties": {"Name": "big", "RoleArn": "x", "ResourcesVpcConfig": {
            "SubnetIds": ["subnet-1"], "SecurityGroupIds": [{"Ref": "G0"}]}}},
    }
    for g in range(groups):
        resources[f"G{g}"] = {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "g"}}
    for n in range(node_groups):
        resources[f"N{n}"] = {"Type": "AWS::EC2::Instance", "Properties": {
            "SecurityGroupIds": [{"Ref": f"G{n + 1}"}], "Tags": [{"Key": "kubernetes.io/cluster/big", "Value": "x"}]}}
    for r in range(rules):
        owner, peer = f"G{r % groups}", f"G{(r * 7) % groups}"
        resources[f"R{r}"] = {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
            "GroupId": {"Ref": owner}, "SourceSecurityGroupId": {"Ref": peer}, "IpProtocol": "tcp",
            "FromPort": r % 65536, "ToPort": r % 65536}}
    return {"Resources": resources}


def test_ten_thousand_rules_are_analysed() -> None:
    analysis = analyse(_big(10_000))
    assert len(analysis.model.permissions) >= 10_000
    assert analysis.all_findings()  # tcp single ports only: the kubelet and DNS flows stay blocked


def test_deep_if_nesting_and_reference_cycles_are_bounded() -> None:
    template = _big(10)
    resources = template["Resources"]
    assert isinstance(resources, dict)
    value: object = {"Ref": "G1"}
    for depth in range(500):
        value = {"Fn::If": [f"C{depth % 3}", value, {"Ref": "AWS::NoValue"}]}
    resources["N0"]["Properties"]["SecurityGroupIds"] = [value]
    # A cycle through Sub and Select: G2's rule names G3, G3's names G2, and a group id names itself.
    resources["G2"]["Properties"]["SecurityGroupIngress"] = [
        {"IpProtocol": "-1", "SourceSecurityGroupId": {"Fn::Select": [0, [{"Fn::Select": [0, [{"Ref": "G3"}]]}]]}}]
    resources["G3"]["Properties"]["SecurityGroupIngress"] = [
        {"IpProtocol": "-1", "SourceSecurityGroupId": {"Fn::Sub": "${G2}"}}]
    resources["Self"] = {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
        "GroupId": {"Fn::GetAtt": ["Self", "GroupId"]}, "IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}}
    template["Conditions"] = {f"C{i}": {"Fn::Equals": ["a", "b"]} for i in range(3)}
    analyse(template).all_findings()
