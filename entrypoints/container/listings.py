"""Use cases of listings and their stock."""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import providers

from application.inventory.apply_stock_batch import ApplyStockBatch
from application.inventory.delete_stock_threshold import DeleteStockThreshold
from application.inventory.get_stock_batch import GetStockBatch
from application.inventory.list_stock_levels import ListStockLevels
from application.inventory.list_stock_thresholds import ListStockThresholds
from application.inventory.set_stock_threshold import SetStockThreshold
from application.inventory.stock_writer import StockWriter
from application.inventory.submit_stock_batch import SubmitStockBatch
from application.inventory.sync_inventory import SyncInventory
from application.inventory.update_stock import UpdateStock
from application.listings.add_pictures import AddPictures
from application.listings.category_reader import CategoryReader
from application.listings.change_listing_status import ChangeListingStatus
from application.listings.close_listing import CloseListing
from application.listings.create_listing import CreateListing
from application.listings.delete_listing import DeleteListing
from application.listings.get_category import GetCategory
from application.listings.get_category_attributes import GetCategoryAttributes
from application.listings.get_listing import GetListing
from application.listings.get_listing_health import GetListingHealth
from application.listings.list_listings import ListListings
from application.listings.predict_category import PredictCategory
from application.listings.relist_listing import RelistListing
from application.listings.sync_catalogue import SyncCatalogue
from application.listings.sync_listing import SyncListing
from application.listings.sync_listings import SyncListings
from application.listings.update_listing import UpdateListing
from application.listings.upload_picture import UploadPicture
from application.listings.validate_listing import ValidateListing
from application.operations.request_account_sync import RequestAccountSync
from application.operations.request_sync import RequestSync
from application.sync_logs.runs import SyncRuns
from entrypoints.container.accounts import AccountUseCases

A = AccountUseCases
uow = A.unit_of_work.provider


class ListingUseCases(AccountUseCases):
    safety_stock = providers.Callable(lambda s: s.safety_stock, A.settings)
    # The lease (MELI_SYNC_LEASE) and the time limit (MELI_SYNC_TIMEOUT) of every sync.
    sync_runs = providers.Factory(
        SyncRuns,
        uow,
        A.clock,
        lease=providers.Callable(lambda s: timedelta(seconds=s.sync_lease), A.settings),
        timeout=providers.Callable(lambda s: float(s.sync_timeout), A.settings),
    )
    sync_listing = providers.Factory(
        SyncListing, uow, A.listing_gateway, A.clock, safety_stock=safety_stock
    )
    sync_listings = providers.Factory(
        SyncListings, uow, A.listing_gateway, A.clock, safety_stock=safety_stock
    )
    sync_catalogue = providers.Factory(
        SyncCatalogue, uow, A.listing_gateway, A.clock, safety_stock=safety_stock, runs=sync_runs
    )
    request_sync = providers.Factory(RequestSync, uow, A.clock)
    request_account_sync = providers.Factory(RequestAccountSync, uow, A.clock)
    upload_picture = providers.Factory(UploadPicture, uow, A.picture_gateway)
    add_pictures = providers.Factory(
        AddPictures,
        uow,
        A.listing_gateway,
        A.picture_gateway,
        A.clock,
        safety_stock=safety_stock,
    )
    list_listings = providers.Factory(ListListings, uow)
    get_listing = providers.Factory(GetListing, uow)
    create_listing = providers.Factory(
        CreateListing, uow, A.listing_gateway, A.clock, safety_stock=safety_stock
    )
    stock_writer = providers.Factory(StockWriter, uow, A.listing_gateway, A.lock, A.clock)
    update_listing = providers.Factory(
        UpdateListing,
        uow,
        A.listing_gateway,
        A.clock,
        safety_stock=safety_stock,
        stock=stock_writer,
    )
    change_listing_status = providers.Factory(ChangeListingStatus, uow, A.listing_gateway, A.clock)
    delete_listing = providers.Factory(DeleteListing, uow, A.listing_gateway, A.clock)
    close_listing = providers.Factory(CloseListing, uow, A.listing_gateway)
    relist_listing = providers.Factory(RelistListing, uow, A.listing_gateway, A.clock)
    get_listing_health = providers.Factory(GetListingHealth, uow, A.listing_gateway)
    predict_category = providers.Factory(PredictCategory, uow, A.listing_gateway)
    # MELI_CATEGORY_CACHE_TTL: see application/listings/category_reader.py.
    category_reader = providers.Singleton(
        CategoryReader,
        A.category_gateway,
        A.category_cache,
        ttl=providers.Callable(lambda s: timedelta(seconds=s.category_cache_ttl), A.settings),
    )
    get_category = providers.Factory(GetCategory, uow, category_reader)
    get_category_attributes = providers.Factory(GetCategoryAttributes, uow, category_reader)
    validate_listing = providers.Factory(
        ValidateListing, uow, A.listing_gateway, category_reader, create_listing
    )
    update_stock = providers.Factory(UpdateStock, stock_writer, A.clock)
    submit_stock_batch = providers.Factory(SubmitStockBatch, uow, A.clock)
    apply_stock_batch = providers.Factory(ApplyStockBatch, uow, stock_writer, A.clock)
    get_stock_batch = providers.Factory(GetStockBatch, uow)
    list_stock_levels = providers.Factory(ListStockLevels, uow)
    set_stock_threshold = providers.Factory(SetStockThreshold, uow, A.clock)
    delete_stock_threshold = providers.Factory(DeleteStockThreshold, uow, A.clock)
    list_stock_thresholds = providers.Factory(ListStockThresholds, uow)
    sync_inventory = providers.Factory(
        SyncInventory, uow, A.listing_gateway, stock_writer, A.clock, runs=sync_runs
    )
