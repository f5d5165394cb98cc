"""The SIP examples are valid requests for `lk sip inbound create` / `lk sip dispatch create` and route the clinic's
number to the camille agent, one fresh room per call whose name holds no caller number."""

from __future__ import annotations

from pathlib import Path

import phonenumbers
from google.protobuf.json_format import Parse
from livekit.protocol.sip import CreateSIPDispatchRuleRequest, CreateSIPInboundTrunkRequest

SIP = Path(__file__).resolve().parents[2] / "sip"


def test_inbound_trunk_example_is_a_valid_request_for_the_clinic_number() -> None:
    """The trunk parses strictly as LiveKit's CreateSIPInboundTrunkRequest, answers one E.164 number, accepts
    calls from listed addresses only, and caps a call's length."""
    request = Parse((SIP / "inbound-trunk.json").read_text(), CreateSIPInboundTrunkRequest())
    trunk = request.trunk
    assert len(trunk.numbers) == 1 and phonenumbers.is_valid_number(phonenumbers.parse(trunk.numbers[0]))
    assert list(trunk.allowed_addresses) and trunk.max_call_duration.seconds >= 20 * 60


def test_dispatch_rule_example_sends_each_call_to_camille_in_its_own_room() -> None:
    """The rule parses strictly as CreateSIPDispatchRuleRequest, makes a randomised room per call named after the
    called (clinic) number rather than the caller's, and dispatches the camille agent, leaving the caller's number
    visible to Camille (the SMS confirmation needs it)."""
    request = Parse((SIP / "dispatch-rule.json").read_text(), CreateSIPDispatchRuleRequest())
    rule = request.dispatch_rule
    assert rule.rule.WhichOneof("rule") == "dispatch_rule_callee"
    assert rule.rule.dispatch_rule_callee.randomize is True
    assert [agent.agent_name for agent in rule.room_config.agents] == ["camille"]
    assert rule.hide_phone_number is False
