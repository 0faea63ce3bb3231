"""Factories for sub-group records (tests build their own data; only seed tests load fixtures)."""

from decimal import Decimal

import factory

from subgroups import models
from tests.factories import OrganisationFactory, PersonFactory


class SubGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Body

    name = factory.Sequence(lambda n: f"Sub-group {n}")
    aims = factory.LazyFunction(lambda: [{"style": "p", "text": "Improve liaison."}])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    subgroup = factory.SubFactory(SubGroupFactory)
    organisation = factory.SubFactory(OrganisationFactory)


class NomineeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Nominee

    membership = factory.SubFactory(MembershipFactory)
    person = factory.LazyAttribute(lambda o: PersonFactory(organisation=o.membership.organisation))


class UpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SubGroupUpdate

    subgroup = factory.SubFactory(SubGroupFactory)
    title = factory.Sequence(lambda n: f"Update {n}")
    met_on = factory.Faker("date_between", start_date="-2y", end_date="today")
    intro = factory.LazyFunction(lambda: [{"style": "p", "text": "The group met."}])


class UpdateSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.UpdateSection

    update = factory.SubFactory(UpdateFactory)
    heading = factory.Sequence(lambda n: f"Section {n}")
    body = factory.LazyFunction(
        lambda: [{"style": "bullet", "text": "A point"}, {"style": "sub", "text": "A sub-point"}]
    )


class ReportingBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ReportingBody

    name = factory.Sequence(lambda n: f"District {n} Community Safety Partnership")
    kind = models.ReportingBody.Kind.CSP
    district = factory.Sequence(lambda n: f"District {n}")
    organisation = factory.SubFactory(OrganisationFactory)


class AnnualReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.AnnualReport

    body = factory.SubFactory(ReportingBodyFactory)
    title = "Annual report"
    start_year = 2005
    end_year = 2006


class ReportSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ReportSection

    report = factory.SubFactory(AnnualReportFactory)
    heading = factory.Sequence(lambda n: f"Theme {n}")
    body_label = "Progress"
    body = factory.LazyFunction(lambda: [{"style": "p", "text": "Progress was made."}])
    plans_label = "Plans"
    plans = factory.LazyFunction(lambda: [{"style": "p", "text": "More is planned."}])


class CrimeFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CrimeFigure

    report = factory.SubFactory(AnnualReportFactory)
    category = models.CrimeCategory.ALL
    count = 1000
    change_percent = Decimal("1.5")
    rate_per_1000 = Decimal("70")


class HeadlineMeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.HeadlineMeasure

    report = factory.SubFactory(AnnualReportFactory)
    percentage = Decimal("93")
    total = 75
    noun = "projects"
    status = "on target"
