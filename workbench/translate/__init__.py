"""Machine translation: the engines (:mod:`~workbench.translate.engines`: Argos Translate, Apertium), the
Argos packages (:mod:`~workbench.translate.argos_models`), and the job that writes machine versions of
articles (:mod:`~workbench.translate.job`); errors in :mod:`~workbench.translate.errors`."""
