from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "phiward.evidence"
    label = "evidence"
    verbose_name = "Evidence library"

    def ready(self) -> None:
        from phiward.crypto.rotation import register_sealed_files
        from phiward.evidence import checks, uploads  # noqa: F401 - checks registers itself
        from phiward.evidence.facts import evidence_facts
        from phiward.evidence.keyrotation import EvidenceFiles
        from phiward.safeguards.evidence import register_evidence_provider

        uploads.register()  # the upload routes' own size limit and in-memory upload handler
        register_sealed_files(EvidenceFiles())  # 'phiward keys' status, rotate and retire
        register_evidence_provider(evidence_facts)  # safeguard statuses count evidence
