"""Records for tests that need more than the plan's organisation.

Until the domain has write functions of its own, these create rows the way
`server.seed` does, deriving the license status from the documents.
"""

from server.clock import today
from server.institution_writes import InstitutionInput, update_institution
from server.licensing import derive_license_status
from server.models import (
    Category,
    District,
    Document,
    DocumentKind,
    Institution,
    InstructorAssignment,
    Person,
    School,
    Subdistrict,
    Village,
)
from server.permissions import COMMAND_LINE


async def institution(
    name: str,
    *,
    village: Village | None = None,
    category: Category | None = None,
    documents: tuple[DocumentKind, ...] = (),
    instructors: tuple[Person, ...] = (),
    address: str | None = None,
) -> Institution:
    subdistrict = await Subdistrict.first()
    held = [
        Document(kind=kind, number=f"{kind.value[:3]}-{name[-4:]}")
        for kind in documents
    ]
    created = await Institution.create(
        subdistrict=subdistrict,
        registered_name=name,
        village=village,
        category=category,
        address=address,
        license_status=derive_license_status(held, today()),
    )
    for document in held:
        document.institution = created
        await document.save()
    for person in instructors:
        await InstructorAssignment.create(person=person, institution=created)
    return created


async def village_in_district(village_name: str, district_name: str) -> Village:
    village = await Village.get(name=village_name)
    village.district = await District.get(name=district_name)
    await village.save()
    return village


async def many_institutions(count: int) -> list[Institution]:
    """`count` licensed institutions spread over villages placed in districts."""
    districts = await District.all().order_by("id")
    villages = await Village.all().order_by("id")
    school = await School.first()
    subdistrict = await Subdistrict.first()
    created = []
    for number in range(count):
        village = villages[number % len(villages)]
        village.district = districts[number % len(districts)]
        await village.save()
        instructor = await Person.create(
            subdistrict=subdistrict, name=f"指导员{number:03d}", school=school
        )
        created.append(
            await institution(
                f"测试培训学校{number:03d}",
                village=village,
                category=Category.ARTS,
                documents=(DocumentKind.SCHOOL_PERMIT, DocumentKind.BUSINESS_LICENSE),
                instructors=(instructor,),
            )
        )
    return created


async def rename_signboard(registered_name_part: str, signboard_name: str) -> None:
    """Give the institution whose registered name holds `registered_name_part`
    a new sign-board name, as an edit on its page would."""
    institution = await Institution.get(registered_name__contains=registered_name_part)
    await update_institution(
        COMMAND_LINE,
        institution.id,
        institution.version,
        InstitutionInput(signboard_name=signboard_name),
    )
