"""Form widgets for the browser's own date and time pickers.

`<input type=date>` accepts only an ISO value ("2011-04-11"); given the en-GB "11/04/2011" it shows
an empty box, and the record loses its date when the form is saved unchanged. These widgets always
write ISO values whatever the locale; every form in the project uses them (a test checks).
"""

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_TIME = "%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_DATE)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_TIME)
