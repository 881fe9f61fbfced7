"""The HorizontalPodAutoscaler's decision rule (autoscaling/v2, Pods metric
with an AverageValue target, `behavior` policies), as docs/deploy.md
documents it and as the Kubernetes HPA controller computes it
(pkg/controller/podautoscaler: replica_calculator.go, horizontal.go
`stabilizeRecommendationWithBehaviors`, `convertDesiredReplicasWithBehaviorRate`):

1. ratio = mean per-pod value / target. Within the tolerance (10 %) of 1,
   the proposal is the current count; otherwise ceil(ratio × current).
2. Stabilization: every proposal is remembered with its time. Scaling up
   takes the lowest proposal of the scale-up window, scaling down the
   highest of the scale-down window (600 s for meet-sfu: the count falls
   only once every proposal of the last 10 minutes is lower).
3. Rate: each Pods policy allows `value` pods per `periodSeconds`, counted
   from the changes made in that period; selectPolicy picks among policies.
4. Clamped to [minReplicas, maxReplicas].

A model for tests: it evaluates what k8s/sfu/deployment/hpa.yaml says on
recorded series, so a change to the manifest's numbers shows up as a
changed decision. It is not the controller (no missing-metrics or
not-ready-pod handling, which only a cluster shows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

TOLERANCE = 0.1
SYNC_PERIOD_SECONDS = 15


@dataclass
class Behavior:
    window: int
    policies: list[tuple[int, int]]  # (pods, periodSeconds)
    select: str = "Max"

    @staticmethod
    def from_spec(spec: dict | None, default_window: int) -> "Behavior":
        spec = spec or {}
        policies = [(p["value"], p["periodSeconds"]) for p in spec.get("policies", []) if p["type"] == "Pods"]
        return Behavior(spec.get("stabilizationWindowSeconds", default_window), policies, spec.get("selectPolicy", "Max"))


@dataclass
class HPA:
    target: float
    min_replicas: int
    max_replicas: int
    up: Behavior
    down: Behavior
    recommendations: list[tuple[float, int]] = field(default_factory=list)
    events: list[tuple[float, int]] = field(default_factory=list)  # (time, replica change)

    @staticmethod
    def from_manifest(hpa: dict) -> "HPA":
        spec = hpa["spec"]
        (metric,) = [m for m in spec["metrics"] if m["type"] == "Pods"]
        behavior = spec.get("behavior", {})
        return HPA(
            target=float(metric["pods"]["target"]["averageValue"]),
            min_replicas=spec.get("minReplicas", 1), max_replicas=spec["maxReplicas"],
            up=Behavior.from_spec(behavior.get("scaleUp"), 0),
            down=Behavior.from_spec(behavior.get("scaleDown"), 300),
        )

    def proposal(self, current: int, values: list[float]) -> int:
        """Step 1: from the per-pod values of the current pods."""
        ratio = (sum(values) / len(values)) / self.target
        if abs(ratio - 1) <= TOLERANCE:
            return current
        return math.ceil(ratio * len(values))

    def decide(self, now: float, current: int, values: list[float]) -> int:
        """The replica count the HPA sets at `now` (steps 1 to 4)."""
        desired = self.proposal(current, values)
        self.recommendations.append((now, desired))
        up = min([r for t, r in self.recommendations if t > now - self.up.window] + [desired])
        down = max([r for t, r in self.recommendations if t > now - self.down.window] + [desired])
        stabilized = min(max(current, up), down)
        horizon = max(self.up.window, self.down.window, *(p for _, p in self.up.policies + self.down.policies))
        self.recommendations = [(t, r) for t, r in self.recommendations if t > now - horizon]
        if stabilized > current and self.up.policies:
            limits = [current - self._changed(now, period, +1) + pods for pods, period in self.up.policies]
            stabilized = min(stabilized, max(limits) if self.up.select == "Max" else min(limits))
        elif stabilized < current and self.down.policies:
            limits = [current + self._changed(now, period, -1) - pods for pods, period in self.down.policies]
            stabilized = max(stabilized, min(limits) if self.down.select == "Max" else max(limits))
        result = max(self.min_replicas, min(self.max_replicas, stabilized))
        if result != current:
            self.events.append((now, result - current))
        return result

    def _changed(self, now: float, period: int, sign: int) -> int:
        """Pods added (sign +1) or removed (-1) within the last `period` seconds."""
        return sum(abs(d) for t, d in self.events if t > now - period and (d > 0) == (sign > 0))


def replay(hpa: HPA, series: list[tuple[float, float]], start: int) -> list[tuple[float, int]]:
    """Runs the HPA every sync period over `series` ((time, per-pod mean) as
    the pods report it: the load spreads over however many pods run), and
    returns (time, replicas) after each decision. The series is the load of
    the whole deployment divided by the pods running when it was recorded;
    here that total is spread over the model's current count."""
    replicas = start
    out = []
    for t, total in series:
        values = [total / replicas] * replicas
        replicas = hpa.decide(t, replicas, values)
        out.append((t, replicas))
    return out
