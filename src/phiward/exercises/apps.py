from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "phiward.exercises"
    label = "exercises"
    verbose_name = "IR exercises and plan"
