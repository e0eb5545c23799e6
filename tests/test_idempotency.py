"""Writes sent again with the same Idempotency-Key are made once."""

from datetime import timedelta

from server import idempotency
from server.accounts import issue_token
from server.models import IdempotentWrite, Institution, TokenScope
from server.permissions import COMMAND_LINE

CREATE = """mutation($name: String!) {
  createInstitution(input: {registeredName: $name}) {
    institution { id registeredName } errors { message }
  }
}"""


def body(name: str) -> dict:
    return {"query": CREATE, "variables": {"name": name}}


async def test_a_write_sent_twice_with_one_key_is_made_once(db, staff):
    headers = {"Idempotency-Key": "3f1c9a7e-first"}

    first = await staff.post("/graphql", json=body("重发培训学校"), headers=headers)
    again = await staff.post("/graphql", json=body("重发培训学校"), headers=headers)

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert await Institution.filter(registered_name="重发培训学校").count() == 1


async def test_the_same_key_with_another_write_is_refused_and_writes_nothing(db, staff):
    headers = {"Idempotency-Key": "key-used-twice"}
    await staff.post("/graphql", json=body("第一所学校"), headers=headers)

    refused = await staff.post("/graphql", json=body("第二所学校"), headers=headers)

    assert refused.status_code == 422
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert "Idempotency-Key" in error["message"]
    assert not await Institution.filter(registered_name="第二所学校").exists()


async def test_writes_without_a_key_and_queries_with_one_are_as_before(db, staff):
    for _ in range(2):
        await staff.post("/graphql", json=body("无键培训学校"))
    asked = await staff.post(
        "/graphql",
        json={"query": "{ institutions { totalCount } }"},
        headers={"Idempotency-Key": "a-query"},
    )

    assert await Institution.filter(registered_name="无键培训学校").count() == 2
    assert asked.status_code == 200 and "idempotent-replayed" not in asked.headers
    assert not await IdempotentWrite.filter(key="a-query").exists()


async def test_a_key_belongs_to_its_sender(db, staff):
    issued = await issue_token(COMMAND_LINE, "district", TokenScope.WRITE)
    headers = {"Idempotency-Key": "shared-key"}

    await staff.post("/graphql", json=body("各自的学校"), headers=headers)
    by_token = await staff.post(
        "/graphql",
        json=body("各自的学校"),
        headers={**headers, "Authorization": f"Bearer {issued.secret}"},
    )

    assert "idempotent-replayed" not in by_token.headers
    assert await Institution.filter(registered_name="各自的学校").count() == 2


async def test_a_key_that_is_not_printable_ascii_is_refused(db, staff):
    refused = await staff.post(
        "/graphql", json=body("怪键学校"), headers={"Idempotency-Key": "x" * 256}
    )

    assert refused.status_code == 400
    assert "255" in refused.json()["errors"][0]["message"]
    assert not await Institution.filter(registered_name="怪键学校").exists()


async def test_answers_are_kept_two_days_then_let_go(db, staff):
    headers = {"Idempotency-Key": "old-key"}
    await staff.post("/graphql", json=body("旧键学校"), headers=headers)
    kept = await IdempotentWrite.get(key="old-key")
    kept.created_at -= idempotency.KEEP + timedelta(minutes=1)
    await kept.save()

    await staff.post(
        "/graphql", json=body("新键学校"), headers={"Idempotency-Key": "new"}
    )

    assert not await IdempotentWrite.filter(key="old-key").exists()
    assert await IdempotentWrite.filter(key="new").exists()
