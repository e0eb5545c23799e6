"""The page adapter: server-rendered pages for staff and for the public.

Endpoints read the request, call the domain in `server`, and render a
template; nothing here decides what the office's rules allow.
"""

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.routing import Route

from server.errors import DomainError
from web import (
    audit,
    auth,
    cards,
    cases,
    complaints,
    dashboard,
    directory,
    errors,
    evidence,
    export_jobs,
    exports,
    imports,
    inspections,
    institutions,
    leadership,
    organisation,
    people,
    phases,
    public,
    reconciliation,
    reports,
    standing,
    supervision,
    tokens,
    units,
    villages,
    workbooks,
)

show_units, create_unit, rename_unit = units.pages(units.UNITS)
show_schools, create_school, rename_school = units.pages(units.SCHOOLS)

STATIC_DIR = Path(__file__).parent / "static"

routes = [
    Route("/", directory.directory_page, name="home"),
    Route("/verify", directory.verify_page, name="verify"),
    Route("/verify/{code}", directory.verification_page, name="verification"),
    Route("/blacklist", directory.blacklist_page, name="blacklist"),
    Route("/penalties", directory.penalties_page, name="penalties"),
    Route(
        "/report",
        complaints.report_page,
        methods=["GET", "POST"],
        name="report_institution",
    ),
    Route("/report/status", complaints.status_page, name="complaint_status"),
    Route("/language", public.choose_language, name="language"),
    Route("/signin", auth.sign_in_page, methods=["GET", "POST"], name="sign_in"),
    Route("/signout", auth.sign_out, methods=["POST"], name="sign_out"),
    Route(
        "/account/password",
        auth.password_page,
        methods=["GET", "POST"],
        name="password",
    ),
    Route("/staff/", cases.start_page, name="start"),
    Route("/staff/organisation", organisation.subdistrict_page, name="subdistrict"),
    Route("/staff/import", imports.import_page, name="import_records"),
    Route(
        "/staff/import",
        imports.check_upload,
        methods=["POST"],
        name="import_records_check",
    ),
    Route(
        "/staff/import/run",
        imports.run_upload,
        methods=["POST"],
        name="import_records_run",
    ),
    Route(
        "/staff/import/templates/{kind}.xlsx",
        imports.import_template,
        name="import_template",
    ),
    Route("/staff/villages.xlsx", exports.villages_workbook, name="villages_workbook"),
    Route("/staff/cases", cases.ledger_page, name="cases"),
    Route("/staff/cases.xlsx", exports.ledger_workbook, name="cases_workbook"),
    Route("/staff/cases/{case_id:int}", cases.case_page, name="case"),
    Route(
        "/staff/cases/{case_id:int}/steps",
        cases.take_step,
        methods=["POST"],
        name="case_step",
    ),
    Route(
        "/staff/cases/{case_id:int}/register",
        cases.update_register,
        methods=["POST"],
        name="case_register",
    ),
    Route(
        "/staff/cases/{case_id:int}/students",
        cases.name_student,
        methods=["POST"],
        name="case_students",
    ),
    Route(
        "/staff/cases/{case_id:int}/students/{student_id:int}/forget",
        cases.forget_student,
        methods=["POST"],
        name="case_student_forget",
    ),
    Route(
        "/staff/cases/{case_id:int}/dispatches",
        cases.dispatch,
        methods=["POST"],
        name="case_dispatch",
    ),
    Route(
        "/staff/cases/{case_id:int}/dispatches/{dispatch_id:int}",
        cases.answer_dispatch,
        methods=["POST"],
        name="dispatch_answer",
    ),
    Route(
        "/staff/cases/{case_id:int}/evidence",
        cases.upload_evidence,
        methods=["POST"],
        name="case_evidence",
    ),
    Route("/staff/notices/{notice_id:int}", cases.notice_page, name="notice"),
    Route("/staff/complaints", complaints.complaints_page, name="complaints"),
    Route(
        "/staff/complaints.xlsx",
        exports.complaints_workbook,
        name="complaints_workbook",
    ),
    Route("/staff/reports", reports.reports_page, name="reports"),
    # The workbooks' routes come first: "{period}" would take "2026-11.xlsx".
    Route(
        "/staff/reports/{period}.xlsx", reports.report_workbook, name="report_workbook"
    ),
    Route(
        "/staff/reports/{period}/workload.xlsx",
        reports.workload_workbook,
        name="workload_workbook",
    ),
    Route("/staff/reports/{period}", reports.report_page, name="report_month"),
    Route(
        "/staff/reports/{period}/figures/{key}",
        reports.figure_records_page,
        name="report_records",
    ),
    Route("/staff/reports/{period}/workload", reports.workload_page, name="workload"),
    Route(
        "/staff/reports/{period}/workload/{kind}/{statement_id:int}",
        reports.statement_page,
        name="workload_statement",
    ),
    Route(
        "/staff/reports/{period}/commendation",
        reports.commendation_page,
        name="commendation",
    ),
    Route(
        "/staff/complaints/{complaint_id:int}",
        complaints.complaint_page,
        name="complaint",
    ),
    Route(
        "/staff/complaints/{complaint_id:int}/triage",
        complaints.triage_complaint,
        methods=["POST"],
        name="complaint_triage",
    ),
    Route(
        "/staff/reconciliation",
        reconciliation.runs_page,
        methods=["GET", "POST"],
        name="reconciliation",
    ),
    Route(
        "/staff/reconciliation/{run_id:int}",
        reconciliation.run_page,
        name="reconciliation_run",
    ),
    Route(
        "/staff/reconciliation/{run_id:int}/file",
        reconciliation.run_file,
        name="reconciliation_file",
    ),
    Route(
        "/staff/reconciliation/{run_id:int}/differences/{difference_id:int}",
        reconciliation.resolve,
        methods=["POST"],
        name="reconciliation_resolve",
    ),
    Route(
        "/staff/cases/{case_id:int}/penalties/{penalty_id:int}/publish",
        cases.publish_penalty,
        methods=["POST"],
        name="publish_penalty",
    ),
    Route("/staff/report", cases.report_page, methods=["GET", "POST"], name="report"),
    Route(
        "/staff/patrols/new",
        cases.new_patrol_page,
        methods=["GET", "POST"],
        name="new_patrol",
    ),
    Route(
        "/staff/report/duplicates", cases.duplicates_partial, name="report_duplicates"
    ),
    Route("/staff/institutions", institutions.roster_page, name="roster"),
    Route("/staff/institutions.xlsx", exports.roster_workbook, name="roster_workbook"),
    Route(
        "/staff/institutions/{institution_id:int}/file.xlsx",
        workbooks.institution_workbook,
        name="institution_workbook",
    ),
    Route(
        "/staff/institutions/{institution_id:int}/card",
        cards.onsite_card,
        name="onsite_card",
    ),
    Route(
        "/staff/institutions/{institution_id:int}/list",
        standing.set_list,
        methods=["POST"],
        name="set_list",
    ),
    Route(
        "/staff/list-changes/{change_id:int}/decide",
        standing.decide_list_change,
        methods=["POST"],
        name="decide_list_change",
    ),
    Route(
        "/staff/institutions/new",
        institutions.new_institution_page,
        methods=["GET", "POST"],
        name="new_institution",
    ),
    Route(
        "/staff/institutions/{institution_id:int}",
        institutions.institution_page,
        name="institution",
    ),
    Route(
        "/staff/institutions/{institution_id:int}/edit",
        institutions.edit_institution_page,
        methods=["GET", "POST"],
        name="edit_institution",
    ),
    Route(
        "/staff/institutions/{institution_id:int}/instructors",
        institutions.assign_instructor,
        methods=["POST"],
        name="assign_instructor",
    ),
    Route(
        "/staff/institutions/{institution_id:int}/instructors/{person_id:int}/remove",
        institutions.unassign_instructor,
        methods=["POST"],
        name="unassign_instructor",
    ),
    Route("/staff/villages/{village_id:int}", villages.village_page, name="village"),
    Route(
        "/staff/villages/{village_id:int}/district",
        villages.place_village,
        methods=["POST"],
        name="place_village",
    ),
    Route(
        "/staff/villages/{village_id:int}/supervisors",
        villages.assign_supervisor,
        methods=["POST"],
        name="assign_supervisor",
    ),
    Route(
        "/staff/villages/{village_id:int}/supervisors/{person_id:int}/remove",
        villages.unassign_supervisor,
        methods=["POST"],
        name="unassign_supervisor",
    ),
    Route(
        "/staff/districts/{district_id:int}/edit",
        organisation.edit_district_page,
        methods=["GET", "POST"],
        name="edit_district",
    ),
    Route(
        "/staff/leadership",
        leadership.leadership_page,
        methods=["GET"],
        name="leadership",
    ),
    Route("/staff/leadership", leadership.update_group, methods=["POST"]),
    Route(
        "/staff/leadership/seats",
        leadership.set_seat,
        methods=["POST"],
        name="leadership_seat",
    ),
    Route(
        "/staff/leadership/seats/{person_id:int}/remove",
        leadership.remove_seat,
        methods=["POST"],
        name="leadership_unseat",
    ),
    Route("/staff/people", people.people_page, name="people"),
    Route("/staff/people.xlsx", exports.people_workbook, name="people_workbook"),
    Route(
        "/staff/people/new",
        people.new_person_page,
        methods=["GET", "POST"],
        name="new_person",
    ),
    Route(
        "/staff/people/{person_id:int}/edit",
        people.edit_person_page,
        methods=["GET", "POST"],
        name="edit_person",
    ),
    Route("/staff/units", show_units, name="units"),
    Route("/staff/units", create_unit, methods=["POST"], name="units_create"),
    Route(
        "/staff/units/{record_id:int}",
        rename_unit,
        methods=["POST"],
        name="units_rename",
    ),
    Route("/staff/schools", show_schools, name="schools"),
    Route("/staff/schools", create_school, methods=["POST"], name="schools_create"),
    Route(
        "/staff/schools/{record_id:int}",
        rename_school,
        methods=["POST"],
        name="schools_rename",
    ),
    Route("/staff/supervision", supervision.supervision_page, name="supervision"),
    Route(
        "/staff/inspections.xlsx",
        exports.inspections_workbook,
        name="inspections_workbook",
    ),
    Route("/staff/phases", phases.phases_page, name="phases"),
    Route(
        "/staff/phases/tasks/{task_id:int}/mark",
        phases.mark_task,
        methods=["POST"],
        name="mark_phase_task",
    ),
    Route(
        "/staff/phases/{phase_id:int}/dates",
        phases.update_dates,
        methods=["POST"],
        name="phase_dates",
    ),
    Route("/staff/dashboard", dashboard.dashboard_page, name="dashboard"),
    Route(
        "/staff/scoring-template",
        supervision.template_page,
        name="scoring_template",
    ),
    Route(
        "/staff/scoring-template/new",
        supervision.edit_template_page,
        methods=["GET", "POST"],
        name="edit_scoring_template",
    ),
    Route(
        "/staff/inspections/new",
        inspections.new_inspection_page,
        methods=["GET", "POST"],
        name="new_inspection",
    ),
    Route(
        "/staff/inspections/score", inspections.running_score, name="inspection_score"
    ),
    Route(
        "/staff/inspections/{inspection_id:int}",
        inspections.inspection_page,
        name="inspection",
    ),
    Route(
        "/staff/findings/{finding_id:int}/resolve",
        inspections.resolve_finding,
        methods=["POST"],
        name="resolve_finding",
    ),
    Route("/staff/audit", audit.audit_page, name="audit"),
    Route("/staff/audit.xlsx", exports.audit_workbook, name="audit_workbook"),
    Route(
        "/staff/exports/institutions.json",
        exports.institutions_json,
        name="institutions_json",
    ),
    Route(
        "/staff/exports/institutions.xlsx",
        exports.institutions_workbook,
        name="institutions_export_workbook",
    ),
    Route(
        "/staff/exports/jobs",
        export_jobs.start_export,
        methods=["POST"],
        name="start_export",
    ),
    Route("/staff/exports/jobs/{job_id}", export_jobs.job_page, name="export_job"),
    Route(
        "/staff/exports/jobs/{job_id}/file",
        export_jobs.job_file,
        name="export_job_file",
    ),
    Route("/staff/evidence/{evidence_id:int}", evidence.evidence_file, name="evidence"),
    Route("/staff/tokens", tokens.tokens_page, methods=["GET", "POST"], name="tokens"),
    Route(
        "/staff/tokens/{token_id:int}/revoke",
        tokens.revoke_token,
        methods=["POST"],
        name="revoke_token",
    ),
]

exception_handlers = {
    HTTPException: errors.http_error,
    DomainError: errors.refused,
    500: errors.server_error,
}
