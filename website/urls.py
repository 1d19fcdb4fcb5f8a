from django.urls import path

from . import feeds, views

app_name = "website"

urlpatterns = [
    path("", views.home, name="home"),
    path("themes/<slug:slug>/", views.theme, name="theme"),
    path("authors/<slug:slug>/", views.author, name="author"),
    path("pages/<slug:slug>/", views.page, name="page"),
    path("search/", views.search, name="search"),
    path("tracts/feed.rss", feeds.TractFeed(), name="tract_feed"),
    path("tracts/feed.atom", feeds.TractAtomFeed(), name="tract_atom"),
    path("articles/feed.rss", feeds.ArticleFeed(), name="article_feed"),
    path("articles/feed.atom", feeds.ArticleAtomFeed(), name="article_atom"),
]
