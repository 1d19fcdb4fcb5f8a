"""Sample pages of the collective (original text), loaded by `make run`."""

ABOUT_FR = """<p>Le Collectif Sans Score réunit des personnes privées d'emploi, des allocataires,
des travailleuses et travailleurs sociaux et des syndicalistes. Nous nous opposons aux
algorithmes qui notent les allocataires, aux démarches forcées en ligne et aux fuites de
données personnelles.</p>
<p>Nous tenons une permanence chaque mardi, aidons à préparer les recours et écrivons des
tracts que chacun peut imprimer et distribuer.</p>"""

ABOUT_EN = """<p>Collectif Sans Score brings together unemployed people, benefit claimants, social
workers and trade unionists. We oppose the algorithms that score claimants, forced online-only
procedures and leaks of personal data.</p>
<p>We hold a drop-in session every Tuesday, help people prepare appeals, and write tracts that
anyone can print and hand out.</p>"""

PAGES = {
    "a-propos": {
        "position": 0,
        "versions": {
            "fr": (
                "Qui sommes-nous",
                "Un collectif de personnes concernées qui refuse que des algorithmes décident qui est suspect.",
                ABOUT_FR,
            ),
            "en": (
                "Who we are",
                "A collective of the people concerned, who refuse to let algorithms decide who is suspect.",
                ABOUT_EN,
            ),
            "es": (
                "Quiénes somos",
                "Un colectivo de personas afectadas que rechaza que los algoritmos decidan quién es sospechoso.",
                "<p>Reunimos a personas desempleadas, beneficiarias de prestaciones, trabajadoras sociales y "
                "sindicalistas contra la puntuación algorítmica y los trámites solo en línea.</p>",
            ),
            "ar": (
                "من نحن",
                "تجمّع من المعنيين يرفض أن تقرر الخوارزميات من هو المشتبه به.",
                "<p>نجمع العاطلين عن العمل والمستفيدين من الإعانات والعاملين الاجتماعيين والنقابيين ضد التنقيط "
                "الآلي والإجراءات الإلكترونية المفروضة.</p>",
            ),
        },
    },
    "contact": {
        "position": 1,
        "versions": {
            "fr": (
                "Nous contacter",
                "",
                "<p>Permanence chaque mardi de 14 h à 17 h, Bourse du travail, 12 rue de l'Exemple, 75000 Paris.</p>"
                '<p>Écrivez-nous : <a href="mailto:contact@sans-score.example">contact@sans-score.example</a>. '
                "Nous ne gardons pas vos messages plus longtemps qu'il ne faut pour vous répondre.</p>",
            ),
            "en": (
                "Contact us",
                "",
                "<p>Drop-in session every Tuesday, 2 to 5 pm, Bourse du travail, 12 rue de l'Exemple, 75000 Paris.</p>"
                '<p>Write to us: <a href="mailto:contact@sans-score.example">contact@sans-score.example</a>. '
                "We keep your messages no longer than it takes to answer them.</p>",
            ),
        },
    },
    "mentions-legales": {
        "position": 2,
        "versions": {
            "fr": (
                "Mentions légales et vie privée",
                "",
                "<p>Site édité par le Collectif Sans Score, Bourse du travail, 12 rue de l'Exemple, 75000 Paris. "
                "Directeur de la publication : le bureau du collectif.</p>"
                "<p>Ce site ne dépose aucun cookie chez ses visiteurs, ne mesure pas l'audience et ne charge "
                "aucune ressource depuis un autre site. "
                "Les journaux du serveur sont effacés au bout de sept jours.</p>",
            ),
        },
    },
}
