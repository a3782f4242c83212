"""The config-as-code document (`fireline apply FILE.yaml`): its schema and its cross-references.

Only shapes and references are checked here. Schedules, escalation policies
and integrations are stored as written; their engines interpret them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from fireline.domain.postmortem import Template
from fireline.domain.priority import Duration, Level, PriorityPolicy
from fireline.domain.workflow import Slug, Workflow

Role = Literal["viewer", "responder", "admin"]
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Name = Annotated[str, Field(min_length=1, max_length=120)]
Email = Annotated[
    str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254), AfterValidator(str.lower)
]
SlackId = Annotated[str, Field(pattern=r"^[CDGUW][A-Z0-9]{2,30}$")]
MattermostId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
IntegrationKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{16,64}$")]


def _time_zone(name: str) -> str:
    if name not in available_timezones():
        raise ValueError(f"{name!r} is not an IANA time zone (like Europe/Paris or UTC)")
    ZoneInfo(name)
    return name


TimeZone = Annotated[str, AfterValidator(_time_zone)]


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


PERSONAL = ("inbox", "push", "sms", "voice")  # a person's own: never an announcement channel


class ContactMethod(Spec):
    id: Slug
    type: Literal[
        "email",
        "webhook",
        "slack",
        "mattermost",
        "teams",
        "inbox",
        "sms",
        "voice",
        "push",
        "apprise",
    ]
    address: Email | None = None
    # http(s) for webhooks and chat; an Apprise URL (tgram://…, ntfy://…) for apprise
    url: (
        Annotated[str, Field(pattern=r"^[a-z][a-z0-9+.-]{1,20}://\S+$", max_length=2000)] | None
    ) = None
    number: Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$")] | None = None  # E.164
    # a Slack conversation the Slack app posts to (C…, G…, or a person's U…): slack type only
    channel: SlackId | None = None
    # Standard Webhooks signing secret of a webhook contact: never stored with the contact
    secret: Annotated[str, Field(pattern=r"^whsec_[A-Za-z0-9+/]{32,}={0,2}$")] | None = None

    @model_validator(mode="after")
    def _target(self) -> ContactMethod:
        if self.secret is not None and self.type != "webhook":
            raise ValueError("only a webhook contact method takes a `secret`")
        given = {"address": self.address, "url": self.url, "number": self.number}
        if self.type == "slack" and self.channel is not None:  # the Slack app, not a webhook
            given["channel"] = self.channel
        elif self.channel is not None:
            raise ValueError("only a slack contact method takes a `channel` (the Slack app's)")
        needed, a = _needed(self.type, self.channel), _article(self.type)
        if needed and not given[needed]:
            example = _EXAMPLE[needed] + (_SLACK_APP if self.type == "slack" else "")
            raise ValueError(f"{a} {self.type} contact method needs {example}")
        extra = [name for name, value in given.items() if value and name != needed]
        if extra:
            raise ValueError(f"{a} {self.type} contact method takes no `{extra[0]}`")
        if needed == "url" and self.type != "apprise" and not _is_http(self.url):
            raise ValueError(f"{a} {self.type} contact method needs an http(s) `url`")
        return self


# What each type of contact reaches: an email address, a URL, a phone number, or nothing (the
# inbox is kept in Fireline; push goes to the devices a person turns on in the web UI).
_TARGET: dict[str, str | None] = {
    "email": "address",
    "webhook": "url",
    "slack": "url",
    "mattermost": "url",
    "teams": "url",
    "apprise": "url",
    "sms": "number",
    "voice": "number",
    "inbox": None,
    "push": None,
}
_SLACK_APP = " (an incoming webhook), or a `channel` (the Slack app posts there)"
_EXAMPLE = {
    "address": "an `address`",
    "url": "a `url`",
    "number": 'a `number` in E.164 form (like "+15550001002")',
}


def _needed(kind: str, channel: str | None) -> str | None:
    return "channel" if kind == "slack" and channel is not None else _TARGET[kind]


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"  # the types: an email, an inbox, a webhook


def _is_http(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("http://", "https://"))


Announced = Literal["declared", "phase_changed", "status_update", "resolved", "sla_breached"]
ANNOUNCED: tuple[Announced, ...] = get_args(Announced)


class Announcement(ContactMethod):
    """A stakeholder channel told about incidents as they happen (no acknowledge link)."""

    events: tuple[Announced, ...] = Field(default=ANNOUNCED, min_length=1)

    @model_validator(mode="after")
    def _a_channel(self) -> Announcement:
        if self.type in PERSONAL:
            raise ValueError(
                f"{_article(self.type)} {self.type} belongs to a person; announce to a channel"
            )
        return self


class TeamSpec(Spec):
    id: Slug
    name: Name
    announce: tuple[Announcement, ...] = ()


class NotificationRule(Spec):
    contact: Slug
    after: Duration


class UserSpec(Spec):
    id: Slug
    name: Name
    email: Email
    role: Role = "responder"
    teams: tuple[Slug, ...] = ()
    time_zone: TimeZone = "UTC"
    contact_methods: tuple[ContactMethod, ...] = ()
    notification_rules: tuple[NotificationRule, ...] = ()
    slack_user_id: Annotated[str, Field(pattern=r"^[UW][A-Z0-9]{2,30}$")] | None = None
    mattermost_user_id: MattermostId | None = None  # the Mattermost user id or username

    @model_validator(mode="after")
    def _rules_use_contacts(self) -> UserSpec:
        _unique(f"{self.id}: contact method ids", [c.id for c in self.contact_methods])
        ids = {c.id for c in self.contact_methods}
        for rule in self.notification_rules:
            if rule.contact not in ids:
                raise ValueError(
                    f"notification rule names contact {rule.contact!r}, which {self.id} does not have"
                )
        return self


def _local_datetime(value: str) -> str:
    datetime.fromisoformat(value)  # raises ValueError for 2026-13-45T99:99
    return value


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be longer than zero")
    return value


class Rotation(Spec):
    every: Annotated[Duration, AfterValidator(_positive)]
    handoff: Annotated[
        str,
        Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?$"),
        AfterValidator(_local_datetime),
    ]


class Restriction(Spec):
    days: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    from_: time = Field(alias="from")
    to: time


class Layer(Spec):
    name: Name
    rotation: Rotation
    users: tuple[Slug, ...] = Field(min_length=1)
    restrictions: tuple[Restriction, ...] = ()


class ScheduleSpec(Spec):
    id: Slug
    name: Name
    time_zone: TimeZone = "UTC"
    layers: tuple[Layer, ...] = Field(min_length=1)


class Target(Spec):
    user: Slug | None = None
    schedule: Slug | None = None
    team: Slug | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Target:
        if sum(v is not None for v in (self.user, self.schedule, self.team)) != 1:
            raise ValueError("a target names exactly one of user, schedule or team")
        return self


class Step(Spec):
    targets: tuple[Target, ...] = Field(min_length=1)
    escalate_after: Duration


class EscalationPolicySpec(Spec):
    id: Slug
    name: Name
    repeat: int = Field(default=0, ge=0, le=10)
    steps: tuple[Step, ...] = Field(min_length=1)


MAPPING_FIELDS = ("dedup_key", "summary", "severity", "status", "source")
RESERVED_INTEGRATION_IDS = ("alertmanager", "generic")


class IntegrationSpec(Spec):
    id: Slug
    type: Literal["alertmanager", "events_v2", "generic", "heartbeat"]
    key: IntegrationKey | None = None
    interval: Duration | None = None
    mapping: dict[str, str] | None = None

    @model_validator(mode="after")
    def _settings_fit_the_type(self) -> IntegrationSpec:
        if self.id in RESERVED_INTEGRATION_IDS:
            raise ValueError(
                f"`{self.id}` is reserved (it names an ingest route); choose another id"
            )
        if (self.type == "heartbeat") != (self.interval is not None):
            raise ValueError("`interval` is required for heartbeat integrations and only for them")
        if self.interval is not None and self.interval.total_seconds() < 1:
            raise ValueError("a heartbeat `interval` must be at least 1s")
        if self.mapping is not None and self.type != "generic":
            raise ValueError("`mapping` is for generic integrations only")
        unknown = sorted(set(self.mapping or {}) - set(MAPPING_FIELDS))
        if unknown:
            raise ValueError(
                f"unknown mapping field {', '.join(unknown)}; known: {', '.join(MAPPING_FIELDS)}"
            )
        return self


class Grouping(Spec):
    by: tuple[str, ...] = ()
    window: Duration | None = None


class ServiceStatusPage(Spec):
    """Whether an alert's incident on this service shows "investigating" on the status page."""

    auto: bool = False
    default_text: Annotated[str, Field(min_length=1, max_length=2000)] = (
        "We are investigating reports of a problem."
    )


class IncidentChannels(Spec):
    """Slack: open a channel `#inc-<id>-<slug>` for each incident declared on the service (of
    one of ``priorities``, if given), invite the people in its roles, post its news there."""

    incident_channels: bool = False
    priorities: tuple[Annotated[str, Field(min_length=1, max_length=20)], ...] = ()


class ServiceSpec(Spec):
    id: Slug
    name: Name
    team: Slug | None = None
    escalation_policy: Slug | None = None
    impact: Level = "medium"
    alert_grouping: Grouping | None = None
    auto_resolve: bool = False
    acknowledge_timeout: Annotated[Duration, AfterValidator(_positive)] | None = None
    announce: tuple[Announcement, ...] = ()
    status_page: ServiceStatusPage | None = None
    slack: IncidentChannels | None = None
    integrations: tuple[IntegrationSpec, ...] = ()


class WorkflowChoice(Spec):
    default: Slug = "standard"
    by_team: dict[Slug, Slug] = Field(default_factory=dict)
    definitions: tuple[Workflow, ...] = ()


class Component(Spec):
    id: Slug
    name: Name
    services: tuple[Slug, ...] = ()


class StatusPageSpec(Spec):
    title: Name = "Status"
    components: tuple[Component, ...] = ()


class PostmortemSettings(Spec):
    """Postmortem templates, and which team uses which (others: the workflow's, else default)."""

    templates: tuple[Template, ...] = ()
    by_team: dict[Slug, Slug] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_templates(self) -> PostmortemSettings:
        _unique("postmortems.templates: ids", [t.id for t in self.templates])
        known = {"default", *(t.id for t in self.templates)}
        for team, template in self.by_team.items():
            if template not in known:
                raise ValueError(f"by_team.{team}: unknown template {template!r}")
        return self


class CustomRole(Spec):
    id: Slug
    name: Name


class ConfigDocument(Spec):
    """A whole config file. Every section is optional."""

    teams: tuple[TeamSpec, ...] = ()
    users: tuple[UserSpec, ...] = ()
    schedules: tuple[ScheduleSpec, ...] = ()
    escalation_policies: tuple[EscalationPolicySpec, ...] = ()
    services: tuple[ServiceSpec, ...] = ()
    priorities: PriorityPolicy | None = None
    severities: tuple[Annotated[str, Field(min_length=1, max_length=20)], ...] | None = Field(
        default=None, min_length=1
    )
    roles: tuple[CustomRole, ...] | None = None
    workflows: WorkflowChoice | None = None
    status_page: StatusPageSpec | None = None
    postmortems: PostmortemSettings | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> ConfigDocument:
        sections: dict[str, Iterable[Any]] = {
            "teams": self.teams,
            "users": self.users,
            "schedules": self.schedules,
            "escalation_policies": self.escalation_policies,
            "services": self.services,
            "integrations": [i for s in self.services for i in s.integrations],
            "workflows.definitions": self.workflows.definitions if self.workflows else (),
            "roles": self.roles or (),
            "status_page.components": self.status_page.components if self.status_page else (),
        }
        for section, items in sections.items():
            _unique(f"{section}: ids", [item.id for item in items])
        _unique("users: emails", [u.email.lower() for u in self.users])
        keys = [i.key for s in self.services for i in s.integrations if i.key]
        _unique("integrations: keys", keys)
        return self


def _unique(what: str, values: list[str]) -> None:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"{what} must be unique; repeated: {', '.join(repeated)}")


class Known(BaseModel):
    """Ids that exist already (in the database) besides those the document defines."""

    teams: set[str] = set()
    users: set[str] = set()
    schedules: set[str] = set()
    escalation_policies: set[str] = set()
    services: set[str] = set()
    workflows: set[str] = set()


def dangling_references(doc: ConfigDocument, known: Known) -> list[str]:
    """Every reference in the document to something neither it nor the database defines."""
    teams = known.teams | {t.id for t in doc.teams}
    users = known.users | {u.id for u in doc.users}
    schedules = known.schedules | {s.id for s in doc.schedules}
    policies = known.escalation_policies | {p.id for p in doc.escalation_policies}
    services = known.services | {s.id for s in doc.services}
    workflows = known.workflows | {
        w.id for w in (doc.workflows.definitions if doc.workflows else ())
    }
    problems: list[str] = []

    def check(path: str, kind: str, ref: str | None, pool: set[str]) -> None:
        if ref is not None and ref not in pool:
            problems.append(f"{path}: unknown {kind} {ref!r}")

    for i, user in enumerate(doc.users):
        for j, team in enumerate(user.teams):
            check(f"users[{i}].teams[{j}]", "team", team, teams)
    for i, schedule in enumerate(doc.schedules):
        for j, layer in enumerate(schedule.layers):
            for k, user_id in enumerate(layer.users):
                check(f"schedules[{i}].layers[{j}].users[{k}]", "user", user_id, users)
    for i, policy in enumerate(doc.escalation_policies):
        for j, step in enumerate(policy.steps):
            for k, target in enumerate(step.targets):
                path = f"escalation_policies[{i}].steps[{j}].targets[{k}]"
                check(path + ".user", "user", target.user, users)
                check(path + ".schedule", "schedule", target.schedule, schedules)
                check(path + ".team", "team", target.team, teams)
    for i, service in enumerate(doc.services):
        check(f"services[{i}].team", "team", service.team, teams)
        check(
            f"services[{i}].escalation_policy",
            "escalation policy",
            service.escalation_policy,
            policies,
        )
    if doc.workflows:
        check("workflows.default", "workflow", doc.workflows.default, workflows)
        for team, workflow in doc.workflows.by_team.items():
            check(f"workflows.by_team.{team}", "team", team, teams)
            check(f"workflows.by_team.{team}", "workflow", workflow, workflows)
    if doc.status_page:
        for i, component in enumerate(doc.status_page.components):
            for j, service_id in enumerate(component.services):
                check(f"status_page.components[{i}].services[{j}]", "service", service_id, services)
    for team in doc.postmortems.by_team if doc.postmortems else ():
        check(f"postmortems.by_team.{team}", "team", team, teams)
    return problems
