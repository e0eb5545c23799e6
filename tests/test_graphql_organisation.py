"""Reading the organisation over GraphQL, as a district integrator would."""

from server import plan_data


async def test_counts_match_the_plan(graphql):
    data = await graphql.data(
        """{
          villages { totalCount }
          institutions { totalCount }
          districts { totalCount }
          schools { totalCount }
          units { totalCount }
        }"""
    )

    assert data == {
        "villages": {"totalCount": 38},
        "institutions": {"totalCount": 9},
        "districts": {"totalCount": 5},
        "schools": {"totalCount": 2},
        "units": {"totalCount": 16},
    }


async def test_subdistrict_names_its_county_and_city(graphql):
    data = await graphql.data("{ subdistrict { name county city } }")

    assert data["subdistrict"] == {
        "name": "董家街道",
        "county": "历城区",
        "city": "济南市",
    }


async def test_leadership_group_lists_23_seats_in_order_and_its_office(graphql):
    data = await graphql.data(
        """{
          leadershipGroup {
            name
            members { role title position person { name } }
            office {
              unit { name }
              director { person { name } }
              deputyDirector { person { name } }
            }
          }
        }"""
    )

    group = data["leadershipGroup"]
    roles = [member["role"] for member in group["members"]]
    assert group["name"] == plan_data.LEADERSHIP_GROUP
    assert len(group["members"]) == 23
    assert roles.count("LEADER") == 1
    assert roles.count("DEPUTY_LEADER") == 1
    assert roles.count("MEMBER") == 21
    assert group["members"][0] == {
        "role": "LEADER",
        "title": "党工委副书记、办事处主任",
        "position": 1,
        "person": {"name": "方君"},
    }
    assert group["office"] == {
        "unit": {"name": "教育办"},
        "director": {"person": {"name": "孟兆新"}},
        "deputyDirector": {"person": {"name": "刘忠海"}},
    }


async def test_members_can_be_filtered_by_role(graphql):
    data = await graphql.data(
        "{ leadershipGroup { members(role: DEPUTY_LEADER) { person { name } } } }"
    )

    assert data["leadershipGroup"]["members"] == [{"person": {"name": "侯付霞"}}]


async def test_every_village_has_the_supervisor_of_the_plan_and_no_district_yet(
    graphql,
):
    data = await graphql.data(
        """{ villages(first: 100) { edges { node {
             name district { name } supervisors { name }
        } } } }"""
    )

    villages = [edge["node"] for edge in data["villages"]["edges"]]
    assert {(v["supervisors"][0]["name"], v["name"]) for v in villages} == set(
        plan_data.SUPERVISED_VILLAGES
    )
    assert all(len(v["supervisors"]) == 1 and v["district"] is None for v in villages)


async def test_districts_name_their_general_branch_secretary(graphql):
    data = await graphql.data(
        "{ districts { edges { node { name secretary { name title } } } } }"
    )

    districts = {
        edge["node"]["name"]: edge["node"]["secretary"]
        for edge in data["districts"]["edges"]
    }
    assert districts["刘公河管理区"] == {
        "name": "赵希栋",
        "title": "刘公河管理区总支书记",
    }
    assert {name: s["name"] for name, s in districts.items()} == dict(
        plan_data.DISTRICTS
    )


async def test_schools_list_their_instructors_and_where_each_is_posted(graphql):
    data = await graphql.data(
        """{ schools { edges { node {
              name instructors { name postedInstitutions { registeredName } }
        } } } }"""
    )

    postings = {
        (person["name"], school["node"]["name"], institution["registeredName"])
        for school in data["schools"]["edges"]
        for person in school["node"]["instructors"]
        for institution in person["postedInstitutions"]
    }
    assert postings == set(plan_data.POSTED_INSTRUCTORS)


async def test_people_filtered_by_duty(graphql):
    data = await graphql.data(
        """{
          supervisors: people(filter: {duty: [SUPERVISOR]}) { totalCount }
          instructors: people(filter: {duty: [INSTRUCTOR]}) { totalCount }
          leaders: people(filter: {duty: [LEADERSHIP]}) { totalCount }
          secretaries: people(filter: {duty: [DISTRICT_SECRETARY]}) { totalCount }
          everyone: people { totalCount }
        }"""
    )

    assert data == {
        "supervisors": {"totalCount": 38},
        "instructors": {"totalCount": 9},
        "leaders": {"totalCount": 23},
        "secretaries": {"totalCount": 5},
        "everyone": {"totalCount": 38 + 9 + 23},
    }


async def test_people_of_a_unit_by_its_global_id(graphql):
    units = await graphql.data("{ units(first: 100) { edges { node { id name } } } }")
    education = next(
        edge["node"]["id"]
        for edge in units["units"]["edges"]
        if edge["node"]["name"] == "教育办"
    )

    data = await graphql.data(
        "query($unit: ID) {\n"
        " people(filter: {unit: $unit}) { edges { node { name } } } }",
        unit=education,
    )

    assert sorted(edge["node"]["name"] for edge in data["people"]["edges"]) == sorted(
        ["孟兆新", "吕仁忠"]
    )


async def test_villages_without_a_district_can_be_listed(graphql):
    data = await graphql.data(
        "{ villages(filter: {withoutDistrict: true}) { totalCount } }"
    )

    assert data["villages"]["totalCount"] == 38
