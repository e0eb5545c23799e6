"""Names of affected students: kept only by choice, read by administrators only."""

import json
from dataclasses import replace

from server.models import AffectedStudent, AuditEntry
from tests.conftest import running, sign_in
from tests.test_case_pages import form, report
from tests.test_pages import text_of

NAME = "王小明"


async def test_by_default_the_office_keeps_counts_not_names(settings):
    async with running(settings) as browser:
        await sign_in(browser, "liping")
        location = await report(browser)
        await sign_in(browser, "admin")
        page = await browser.get(location)
        refused = await browser.post(
            location + "/students", data=form(browser, studentName=NAME)
        )
        kept = await AffectedStudent.all().count()

    assert "学生名单" not in text_of(page.text)
    assert refused.status_code == 422
    assert "本办事处只记录学生人数，不记录姓名。" in text_of(refused.text)
    assert kept == 0


async def test_names_kept_by_choice_are_for_administrators_alone(settings):
    async with running(replace(settings, student_names=True)) as browser:
        await sign_in(browser, "liping")
        location = await report(browser)
        supervisor_adds = await browser.post(
            location + "/students", data=form(browser, studentName=NAME)
        )

        await sign_in(browser, "admin")
        empty = await browser.post(
            location + "/students", data=form(browser, studentName=" ")
        )
        added = await browser.post(
            location + "/students",
            data=form(browser, studentName=NAME, studentNote="已转入持证机构"),
        )
        admin_view = await browser.get(location)

        await sign_in(browser, "liping")
        supervisor_view = await browser.get(location)
        supervisor_forgets = await browser.post(
            f"{location}/students/{(await AffectedStudent.first()).id}/forget",
            data=form(browser),
        )
        trail = [
            json.dumps([entry.before, entry.after], ensure_ascii=False)
            for entry in await AuditEntry.all()
        ]
        await sign_in(browser, "admin")
        student = await AffectedStudent.first()
        forgotten = await browser.post(
            f"{location}/students/{student.id}/forget", data=form(browser)
        )
        left = await AffectedStudent.all().count()

    assert supervisor_adds.status_code == 422
    assert "您的账号无权进行此操作" in text_of(supervisor_adds.text)
    assert empty.status_code == 422 and "请填写" in text_of(empty.text)
    assert added.status_code == forgotten.status_code == 303
    assert NAME in text_of(admin_view.text)
    assert "已转入持证机构" in text_of(admin_view.text)
    assert NAME not in supervisor_view.text
    assert supervisor_forgets.status_code == 403
    assert not any(NAME in entry for entry in trail)
    assert left == 0
