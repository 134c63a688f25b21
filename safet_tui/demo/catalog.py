"""Words the demo database is made of: accounts, products, and message templates."""

ACCOUNTS = (
    ("Northwind Goods", "amazon.com", "USD"),
    ("Saffron Home", "amazon.in", "INR"),
)

US_PRODUCTS = (
    ("CAM-TRIPOD-60", "Aluminium Camera Tripod 60in", 4999),
    ("LED-DESK-LAMP-BLK", "LED Desk Lamp with USB Port, Black", 3450),
    ("BT-SPEAKER-MINI", "Mini Bluetooth Speaker", 2799),
    ("USB-C-HUB-7IN1", "USB-C Hub 7-in-1 with HDMI", 3999),
    ("ERGO-MOUSE-WL", "Ergonomic Wireless Mouse", 2499),
    ("MECH-KB-TKL-RED", "Mechanical Keyboard TKL, Red Switches", 8999),
    ("NOISE-CANC-HP", "Noise Cancelling Headphones, Over-Ear", 12999),
    ("SMART-PLUG-4PK", "Smart Plug, 4 Pack", 2999),
    ("CAST-IRON-SKL-12", "Cast Iron Skillet 12in, Pre-Seasoned", 3499),
    ("FRENCH-PRESS-1L", "Glass French Press Coffee Maker 1L", 2699),
    ("YOGA-MAT-6MM", "Non-Slip Yoga Mat 6mm", 2899),
    ("RESIST-BANDS-5", "Resistance Bands Set of 5", 1999),
    ("KIDS-TABLET-CASE", "Kids Shockproof Tablet Case", 1899),
    ("WATER-FLOSSER", "Cordless Water Flosser", 4599),
    ("AIR-FRYER-5QT", "Air Fryer 5 Quart, Digital", 8999),
    ("PHONE-GIMBAL-3AX", "3-Axis Smartphone Gimbal Stabilizer", 7999),
    ("DASH-CAM-1440P", "Dash Cam 1440p with Night Vision", 6999),
    ("ROBOT-VAC-SLIM", "Slim Robot Vacuum with App Control", 19999),
    ("ELEC-TOOTHBRUSH", "Sonic Electric Toothbrush", 3999),
    ("HIKING-BOOTS-M10", "Men's Waterproof Hiking Boots, Size 10", 8999),
    ("RUN-SHOES-W8", "Women's Running Shoes, Size 8", 6499),
    ("BACKPACK-30L", "Travel Backpack 30L", 5499),
    ("INSTANT-CAM-MINI", "Instant Camera Mini, Pastel Blue", 7999),
    ("SSD-1TB-NVME", "1TB NVMe SSD, PCIe 4.0", 8999),
    ("WEBCAM-1080P", "1080p Webcam with Microphone", 3999),
    ("GAMING-CHAIR-BLK", "Gaming Chair with Lumbar Support, Black", 17999),
    ("STAND-MIXER-5QT", "Stand Mixer 5 Quart, Red", 24999),
    ("SMARTWATCH-S2", "Fitness Smartwatch Series 2", 14999),
)

IN_PRODUCTS = (
    ("STEEL-BOTTLE-1L", "Stainless Steel Water Bottle 1 Litre", 64900),
    ("COTTON-KURTA-M", "Men's Cotton Kurta, Medium", 124900),
    ("PRESSURE-COOK-5L", "Pressure Cooker 5 Litre, Aluminium", 189900),
    ("MIXER-GRINDER-750", "Mixer Grinder 750W, 3 Jars", 349900),
    ("SILK-SAREE-RED", "Banarasi Silk Saree, Red", 459900),
    ("TWS-EARBUDS-BLK", "TWS Earbuds with ENC, Black", 149900),
    ("POWER-BANK-20K", "Power Bank 20000mAh, Fast Charging", 179900),
    ("TAWA-NONSTICK-28", "Non-Stick Tawa 28cm", 79900),
    ("BEDSHEET-KING", "Cotton Double Bedsheet King Size", 99900),
    ("LED-BULB-9W-6PK", "LED Bulb 9W, Pack of 6", 54900),
    ("SMART-BAND-5", "Smart Fitness Band 5", 249900),
    ("BACKPACK-SCHOOL", "School Backpack 35L", 89900),
    ("CERAMIC-DINNER-18", "Ceramic Dinner Set, 18 Pieces", 299900),
    ("TRIMMER-PRO", "Beard Trimmer Pro, Cordless", 169900),
    ("YOGA-MAT-IN", "Anti-Skid Yoga Mat 4mm", 59900),
    ("KIDS-CYCLE-16", "Kids Bicycle 16 inch", 649900),
)

SELLER_OPENERS = (
    "The buyer returned {what} instead of the {title}. Photos of the package with the return label attached.",
    "Return {rma} arrived damaged beyond resale: {damage}. The item left our warehouse sealed and inspected.",
    "The buyer kept the item: no RMA was used and the carrier has no first scan for tracking {tracking}.",
    "The buyer claimed non-delivery, but the carrier confirms delivery with signature on {date}.",
    "We shipped a replacement (tracking {tracking}) that was delivered, and the order was refunded anyway.",
    "Amazon refunded the return label although the buyer selected '{why}' — a buyer-responsible reason.",
    "The return was initiated on day {days} after delivery, outside the return window for this category.",
    "The buyer returned the {title} used and with parts missing ({damage}).",
)
WHATS = ("a used item of another brand", "an empty box", "a brick wrapped in bubble wrap", "an older model",
         "a counterfeit copy", "a different colour variant")
DAMAGES = ("cracked housing", "missing charger and cable", "water damage", "scratched lens",
           "torn packaging and stains", "bent frame", "broken seal and missing manual")
WHYS = ("No longer needed", "Bought by mistake", "Better price available", "Changed my mind")

AMAZON_ACKS = (
    "Thank you for contacting Amazon. We have received your SAFE-T claim and will review it within 5 business days.",
    "Your claim is under review by our investigation team.",
)
AMAZON_INFO_REQUESTS = (
    "Please provide clear photos of the returned item and the return package with the shipping label visible.",
    "Please provide the proof of delivery or the carrier signature for this order.",
    "Please provide the invoice and the tracking ID of the replacement shipment.",
    "We need the return-reason code and a screenshot of the return request to continue.",
    "The photos provided do not show the return label. Please attach a photo where the label is readable.",
)
SELLER_REPLIES = (
    "Attached are the photos you asked for; the label is visible in the second picture.",
    "Please find the carrier's proof of delivery attached. The signature matches the buyer's name.",
    "Invoice and replacement tracking {tracking} attached.",
    "Return-reason code and screenshot attached. The buyer selected '{why}'.",
    "Here is a clearer photo of the label. The RMA {rma} is readable on it.",
    "Following up: is anything else needed to complete this claim?",
)
SELLER_NOTES = (
    "Called the carrier: scan history confirms our timeline.",
    "Checked the warehouse camera footage for this return.",
    "Same buyer filed two returns this month; flagged for review.",
    "Reminder: attach the unboxing video if Amazon asks again.",
)
GRANT_TEXTS = (
    "We have reviewed your claim and reimbursed {amount}. The amount will appear in your next settlement.",
    "Your claim has been approved. A reimbursement of {amount} has been issued.",
)
PARTIAL_TEXTS = (
    "After review we reimbursed {amount}, a partial amount based on the condition of the returned item.",
    "We have issued a partial reimbursement of {amount} for this claim.",
)
DENIAL_TEXTS = (
    "After reviewing the information provided, we are unable to reimburse this claim: {reason}.",
    "Your claim does not qualify for reimbursement. Reason: {reason}.",
)
APPEAL_TEXTS = (
    "We disagree with the decision: the photos clearly show the label and the damage. Please review again.",
    "The carrier's records prove delivery; we request a second review of this claim.",
    "The claim was filed inside the window (see the refund date on the order). Please reconsider.",
)
RETURN_REASONS = (
    "Defective/Does not work properly", "Item arrived damaged", "No longer needed",
    "Inaccurate website description", "Bought by mistake", "Better price available",
    "Different item received", "Missing parts or accessories",
)
NO_REPLY_TEXTS = (
    "We did not receive the information we requested by the reply-by date, so we are unable to reimburse "
    "this claim. You can appeal this decision.",
    "This claim has been closed: no response was received by the reply-by date.",
)
LATE_REPLY_APPEAL_TEXTS = (
    "We missed the information request; the photos and the label are attached now. Please review the claim.",
    "Sorry for the late answer: the carrier's proof of delivery is attached. We ask for a second review.",
)
