import re
import shutil
import subprocess
from base64 import b32decode

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP

from wkp.models import Organisation, Person


def demo_passwords(output):
    """The login lines (two words) under "Demo logins"."""
    lines = output.split("Demo logins", 1)[1].splitlines()[1:]
    logins = {}
    for line in lines:
        if not line.startswith("  "):
            break
        username, password = line.split()
        logins[username] = password
    return logins


def demo_keys(output):
    """username -> (key, the oathtool command printed beside it)."""
    found = re.findall(r"^  (\w+) +([A-Z2-7]{16,}) +(oathtool --totp -b \2)$", output, re.M)
    return {username: (key, command) for username, key, command in found}


def current_code(key, command):
    """The code oathtool shows for the printed key, or the same sum in Python."""
    if shutil.which("oathtool"):
        result = subprocess.run(command.split(), capture_output=True, text=True, check=True)
        return result.stdout.strip()
    return f"{TOTP(b32decode(key)).token():06d}"


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

    passwords = demo_passwords(output)
    assert set(passwords) == {"admin", "coordinator", "member"}
    for username, password in passwords.items():
        assert get_user_model().objects.get(username=username).check_password(password), username


@pytest.mark.django_db
def test_demo_prints_authenticator_keys_whose_codes_pass_the_second_step(capsys):
    """A newcomer reaches the agenda editor with the printed password and oathtool line alone."""
    call_command("load_demo")
    output = capsys.readouterr().out
    passwords, keys = demo_passwords(output), demo_keys(output)
    assert set(keys) == {"admin", "coordinator"}, "members sign in with a password alone"

    for username, target in (("coordinator", "/meetings/"), ("admin", "/admin/")):
        key, command = keys[username]
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": username, "password": passwords[username]}
        )
        assert response.status_code == 302
        response = client.get(target)
        assert response["Location"].startswith("/accounts/two-factor/?next="), (
            "straight to the second step: no app to set up first"
        )
        response = client.post(
            "/accounts/two-factor/", {"code": current_code(key, command), "next": target}
        )
        assert response.status_code == 302, response.content.decode()[:500]
        assert response["Location"] == target
        assert client.get(target).status_code == 200, username


@pytest.mark.django_db
def test_a_second_demo_load_prints_new_keys_and_the_old_ones_stop_working(capsys):
    call_command("load_demo")
    first = demo_keys(capsys.readouterr().out)
    call_command("load_demo")
    second = demo_keys(capsys.readouterr().out)
    assert first["coordinator"][0] != second["coordinator"][0]
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username="coordinator")
    assert TOTPDevice.objects.filter(user=user).count() == 1
