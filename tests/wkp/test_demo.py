import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from wkp.models import Organisation, Person


@pytest.mark.django_db
def test_demo_loads_the_seed_partners_and_three_working_logins(capsys):
    call_command("load_demo")
    output = capsys.readouterr().out

    for short in ("KCC", "TWBC", "TMBC", "SDC", "SEEDA", "PCT", "KF&RS"):
        assert Organisation.objects.filter(short_name=short).exists(), short
    for name in ("Kent Police", "Arriva Southern Counties", "South Eastern Trains"):
        assert Organisation.objects.filter(name=name).exists(), name
    for name in ("Nick Chard", "Richard Spoerry", "Tim Read", "Malcolm Spalding", "Paul Carter"):
        assert Person.objects.filter(name=name).exists(), name

    passwords = dict(line.split() for line in output.splitlines() if line.startswith("  "))
    assert set(passwords) == {"admin", "coordinator", "member"}
    for username, password in passwords.items():
        assert get_user_model().objects.get(username=username).check_password(password), username
