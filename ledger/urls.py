from django.urls import include, path
from rest_framework.routers import SimpleRouter

from ledger.api.accounts import AccountViewSet
from ledger.api.api_keys import ApiKeyViewSet
from ledger.api.categories import CategoryViewSet
from ledger.api.contacts import ContactViewSet
from ledger.api.currencies import CurrencyViewSet, IsoCurrencyListView
from ledger.api.exchange_rates import ExchangeRateViewSet
from ledger.api.imports import ImportViewSet
from ledger.api.operations import (
    CreditViewSet,
    OperationByRequestIdView,
    OperationViewSet,
)
from ledger.api.organizations import OrganizationViewSet
from ledger.api.reports import ReportViewSet
from ledger.api.transactions import TransactionViewSet
from ledger.api.transfers import TransferViewSet

router = SimpleRouter(trailing_slash=False)
router.register("api-keys", ApiKeyViewSet, basename="api-key")
router.register("currencies", CurrencyViewSet, basename="currency")
router.register("exchange-rates", ExchangeRateViewSet, basename="exchange-rate")
router.register("accounts", AccountViewSet, basename="account")
router.register("transactions", TransactionViewSet, basename="transaction")
router.register("reports", ReportViewSet, basename="report")
router.register("contacts", ContactViewSet, basename="contact")
router.register("categories", CategoryViewSet, basename="category")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("operations", OperationViewSet, basename="operation")
router.register("credits", CreditViewSet, basename="credit")
router.register("imports", ImportViewSet, basename="import")

organization_list = OrganizationViewSet.as_view({"get": "list"})
organization_detail = OrganizationViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update"}
)

urlpatterns = [
    path("currencies", IsoCurrencyListView.as_view(), name="iso-currency-list"),
    path(
        "operations/<str:pk>",
        OperationByRequestIdView.as_view({"get": "retrieve"}),
        name="operation-by-request-id",
    ),
    path("organizations", organization_list, name="organization-list"),
    path("organizations/<str:org_id>", organization_detail, name="organization-detail"),
    path("organizations/<str:org_id>/", include(router.urls)),
]
