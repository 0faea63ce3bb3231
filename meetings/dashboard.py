"""What the home page shows a user: the next meeting and recent papers."""


def dashboard_for(user):
    return {"next_meeting": None, "recent_papers": []}
