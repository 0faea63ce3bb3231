def formset_data(prefix, rows, initial=0):
    """POST data for an inline formset: management form plus one dict per row."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


def report_post(body, *, sections=(), measures=(), figures=(), **fields):
    data = {
        "body": str(body.pk),
        "title": "Annual report",
        "start_year": "2005",
        "end_year": "2006",
        "report_date": "",
        "meeting": "",
        "intro": "",
    }
    data.update(fields)
    data.update(formset_data("sections", list(sections)))
    data.update(formset_data("measures", list(measures)))
    data.update(formset_data("figures", list(figures)))
    return data


def figure_row(**values):
    row = {"position": "1", "category": "all", "area": "", "period": "", "count": "",
           "previous_count": "", "change_count": "", "change_percent": "", "rate_per_1000": "",
           "rate_per_head": "", "rank": "", "rank_of": ""}  # fmt: skip
    row.update(values)
    return row
