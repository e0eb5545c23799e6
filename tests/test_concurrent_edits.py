"""Two people changing one case at the same moment: one change is made, the
other is told and keeps what they typed."""

import asyncio

from server.accounts import create_account
from server.models import AuditEntry, Role
from server.permissions import COMMAND_LINE
from tests.conftest import running, sign_in
from tests.test_case_pages import form, report

SECOND_ADMIN_PASSWORD = "second-admin-password-9"


async def test_two_saves_of_one_case_at_once_make_one_change_and_keep_the_other(
    settings, db
):
    await create_account(
        COMMAND_LINE, "wangfang", SECOND_ADMIN_PASSWORD, frozenset({Role.ADMIN})
    )
    async with running(settings) as first, running(settings) as second:
        await sign_in(first, "liping")  # a supervisor reports the case
        location = await report(first)
        case_id = int(location.rsplit("/", 1)[1])
        await sign_in(first, "admin")
        await sign_in(second, "wangfang", SECOND_ADMIN_PASSWORD)

        def saving(client, affected: int):
            return client.post(
                f"/staff/cases/{case_id}/register",
                data=form(
                    client,
                    version="1",
                    studentsAffected=str(affected),
                    studentsResettled="0",
                    feesOwed=str(affected * 1000),
                    feesRefunded="0",
                ),
            )

        answers = await asyncio.gather(saving(first, 12), saving(second, 31))
        case_page = (await first.get(location)).text
        saved = await AuditEntry.filter(
            action="case.register", record_id=case_id
        ).count()
        saved = await AuditEntry.filter(
            action="case.register", record_id=case_id
        ).count()

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [303, 409]
    loser = next(answer for answer in answers if answer.status_code == 409)
    typed = "31" if answers[1] is loser else "12"
    won = "12" if typed == "31" else "31"
    assert "您编辑期间，他人已修改了这条记录" in loser.text
    assert f'name="studentsAffected" value="{typed}"' in loser.text
    assert f"已安置 0 / {won} 名" in case_page
    assert saved == 1
