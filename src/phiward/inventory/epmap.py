from phiward.core.models import Organization


def render_org_map(organization: Organization) -> str:
    return ""
